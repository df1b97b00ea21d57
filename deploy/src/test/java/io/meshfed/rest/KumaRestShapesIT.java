package io.meshfed.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.model.DataplaneTokenHeader;
import io.meshfed.testfed.InProcessFederation;
import io.meshfed.testing.SimulatedEnvoy;
import io.meshfed.zone.ZoneControlPlane;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST shapes kumactl 2.7 reads ({@code GET /}, {@code /mesh-insights}, {@code
 * /meshes/{m}/service-insights}, {@code /zones/_overview}, {@code /zone-insights}, {@code
 * +insights}), field by field after Kuma's goldens, on a real federation in one JVM: global and
 * zone-1 over TLS KDS on loopback, two proxies registered on the zone of which one ({@code web-1})
 * holds an xDS stream and the other ({@code backend-1}) never connects.
 */
class KumaRestShapesIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private GlobalControlPlane global;
  private ZoneControlPlane zone;
  private ManagedChannel xds;
  private SimulatedEnvoy web;
  private String globalApi;
  private String zoneApi;

  @BeforeEach
  void startFederation() throws Exception {
    global = InProcessFederation.startGlobal(dir);
    globalApi = "http://127.0.0.1:" + global.apiPort();
    HttpResponse<String> mesh =
        send(
            HttpRequest.newBuilder(URI.create(globalApi + "/meshes/default"))
                .header("Content-Type", "application/yaml")
                .PUT(
                    HttpRequest.BodyPublishers.ofString(
                        """
                        type: Mesh
                        name: default
                        mtls:
                          enabledBackend: ca-1
                          backends: [{name: ca-1, type: builtin}]
                        """)));
    assertThat(mesh.statusCode()).as(mesh.body()).isEqualTo(201);
    zone = InProcessFederation.zone(global, dir, "zone-1", Map.of("store", "memory"));
    zone.start();
    zoneApi = "http://127.0.0.1:" + zone.apiPort();
    await().atMost(WAIT).until(() -> get(zoneApi + "/meshes/default").statusCode() == 200);
    register("backend-1", "backend", 20001, 8081);
    register("web-1", "web", 20002, 8082);
    xds = NettyChannelBuilder.forAddress("127.0.0.1", zone.xdsPort()).usePlaintext().build();
    Metadata md = new Metadata();
    md.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + dataplaneToken("web-1"));
    web =
        SimulatedEnvoy.connect(
            ClientInterceptors.intercept(xds, MetadataUtils.newAttachHeadersInterceptor(md)),
            "default.web-1",
            Map.of(),
            (t, v) -> {});
    // both proxies, web-1's open stream and its certificate are known to the zone and global
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              settled(zoneApi, "web-1");
              settled(globalApi, "zone-1.web-1");
            });
  }

  @AfterEach
  void stop() throws Exception {
    if (web != null) {
      web.close();
    }
    if (xds != null) {
      xds.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (zone != null) {
      zone.close();
    }
    if (global != null) {
      global.close();
    }
  }

  @Test
  void indexIsKumasWithMeshfedsProductAndTheFederationsClusterId() throws Exception {
    JsonNode g = json(get(globalApi + "/"));
    assertThat(g.get("tagline").asText()).isEqualTo("Kuma");
    assertThat(g.get("product").asText()).isEqualTo("meshfed");
    assertThat(g.get("basedOnKuma").asText()).isEqualTo("2.7.29");
    assertThat(g.get("version").asText()).isEqualTo(GlobalControlPlane.version());
    assertThat(g.get("instanceId").asText()).isEqualTo(global.instanceId());
    assertThat(g.get("clusterId").asText()).isEqualTo(global.clusterId()).isNotBlank();
    assertThat(g.get("hostname").asText()).isNotBlank();
    assertThat(g.get("mode").asText()).isEqualTo("global");
    assertThat(g.get("gui").asText()).isEqualTo("/gui");
    assertThat(get(globalApi + g.get("gui").asText()).statusCode()).isEqualTo(200);

    JsonNode z = json(get(zoneApi + "/"));
    assertThat(z.get("tagline").asText()).isEqualTo("Kuma");
    assertThat(z.get("product").asText()).isEqualTo("meshfed");
    assertThat(z.get("basedOnKuma").asText()).isEqualTo("2.7.29");
    // what `meshfed dp run` reads to find the zone
    assertThat(z.get("mode").asText()).isEqualTo("zone");
    assertThat(z.get("zone").asText()).isEqualTo("zone-1");
    assertThat(z.get("xdsPort").asInt()).isEqualTo(zone.xdsPort());
    // the zone names the federation by global's id, learnt over KDS
    assertThat(z.get("clusterId").asText()).isEqualTo(global.clusterId());
  }

  @Test
  void meshInsightCountsProxiesPoliciesServicesBackendsAndVersionsOnGlobalAndZone()
      throws Exception {
    for (String api : List.of(globalApi, zoneApi)) {
      JsonNode list = json(get(api + "/mesh-insights"));
      assertThat(list.get("total").asInt()).as(api).isEqualTo(1);
      assertThat(list.get("next").isNull()).isTrue();
      JsonNode mi = list.get("items").get(0);
      assertThat(mi).isEqualTo(json(get(api + "/mesh-insights/default")));
      assertThat(mi.get("type").asText()).isEqualTo("MeshInsight");
      assertThat(mi.get("name").asText()).isEqualTo("default");
      assertThat(mi.get("creationTime").asText()).isNotBlank();
      assertThat(mi.get("modificationTime").asText()).isNotBlank();
      assertStat(mi.get("dataplanes"), 2, 1, 1);
      assertThat(mi.get("dataplanes").get("partiallyDegraded").asInt()).isZero();
      assertStat(mi.get("dataplanesByType").get("standard"), 2, 1, 1);
      assertStat(mi.get("dataplanesByType").get("gateway"), 0, 0, 0);
      // Kuma's default policies of a new mesh (allow-all, route-all, ...)
      assertThat(mi.get("policies").get("TrafficPermission").get("total").asInt()).isEqualTo(1);
      assertThat(mi.get("policies").get("TrafficRoute").get("total").asInt()).isEqualTo(1);
      assertThat(mi.get("policies").has("Dataplane")).isFalse();
      assertThat(mi.get("policies").has("DataplaneInsight")).isFalse();
      assertThat(mi.get("services").get("total").asInt()).isEqualTo(2);
      assertThat(mi.get("services").get("internal").asInt()).isEqualTo(2);
      assertThat(mi.get("services").get("external").asInt()).isZero();
      assertStat(mi.get("mTLS").get("issuedBackends").get("ca-1"), 1, 1, 0);
      assertThat(mi.get("mTLS").get("supportedBackends").get("ca-1").get("total").asInt())
          .isEqualTo(1);
      assertThat(sumTotals(mi.get("dpVersions").get("kumaDp"))).isEqualTo(2);
      assertThat(sumTotals(mi.get("dpVersions").get("envoy"))).isEqualTo(2);
    }
    assertThat(get(globalApi + "/mesh-insights/nope").statusCode()).isEqualTo(404);
  }

  @Test
  void serviceInsightsPerServiceWithStatusZonesAndPaging() throws Exception {
    for (String api : List.of(globalApi, zoneApi)) {
      JsonNode first = json(get(api + "/meshes/default/service-insights?size=1"));
      assertThat(first.get("total").asInt()).as(api).isEqualTo(2);
      assertThat(first.get("items")).hasSize(1);
      assertThat(first.get("next").asText())
          .isEqualTo(api + "/meshes/default/service-insights?offset=1&size=1");
      JsonNode backend = first.get("items").get(0);
      assertThat(backend.get("type").asText()).isEqualTo("ServiceInsight");
      assertThat(backend.get("mesh").asText()).isEqualTo("default");
      assertThat(backend.get("name").asText()).isEqualTo("backend");
      assertThat(backend.get("status").asText()).isEqualTo("offline");
      assertThat(backend.get("serviceType").asText()).isEqualTo("internal");
      assertStat(backend.get("dataplanes"), 1, 0, 1);
      assertThat(backend.get("zones")).extracting(JsonNode::asText).containsExactly("zone-1");

      JsonNode second = json(get(first.get("next").asText()));
      assertThat(second.get("next").isNull()).isTrue();
      JsonNode webInsight = second.get("items").get(0);
      assertThat(webInsight.get("name").asText()).isEqualTo("web");
      assertThat(webInsight.get("status").asText()).isEqualTo("online");
      assertStat(webInsight.get("dataplanes"), 1, 1, 0);
      assertThat(webInsight.get("issuedBackends").get("ca-1").asInt()).isEqualTo(1);
      assertThat(json(get(api + "/meshes/default/service-insights/web"))).isEqualTo(webInsight);
    }
    assertThat(get(globalApi + "/meshes/default/service-insights/nope").statusCode())
        .isEqualTo(404);
    assertThat(get(globalApi + "/meshes/nope/service-insights").statusCode()).isEqualTo(404);
  }

  @Test
  void zoneOverviewAndZoneInsightsCarryTheSubscriptions() throws Exception {
    // global writes a zone's insight (and its counters) at most once a second
    JsonNode overview =
        await()
            .atMost(WAIT)
            .until(
                () -> json(get(globalApi + "/zones/_overview")),
                o ->
                    o.path("items")
                            .path(0)
                            .path("zoneInsight")
                            .path("subscriptions")
                            .path(0)
                            .path("status")
                            .path("total")
                            .path("responsesSent")
                            .asLong()
                        > 0);
    JsonNode legacy = json(get(globalApi + "/zones+insights"));
    assertThat(legacy.get("total")).isEqualTo(overview.get("total"));
    assertThat(legacy.get("items").get(0).get("type"))
        .isEqualTo(overview.get("items").get(0).get("type"));
    assertThat(overview.get("total").asInt()).isEqualTo(1);
    assertThat(overview.get("next").isNull()).isTrue();
    JsonNode z = overview.get("items").get(0);
    assertThat(z.get("type").asText()).isEqualTo("ZoneOverview");
    assertThat(z.get("name").asText()).isEqualTo("zone-1");
    assertThat(z.get("creationTime").asText()).isNotBlank();
    assertThat(z.get("zone").get("enabled").asBoolean(true)).isTrue();
    JsonNode sub = z.get("zoneInsight").get("subscriptions").get(0);
    assertThat(sub.get("id").asText()).isNotBlank();
    assertThat(sub.get("globalInstanceId").asText()).isEqualTo(global.instanceId());
    assertThat(sub.get("connectTime").asText()).isNotBlank();
    assertThat(sub.has("disconnectTime")).as("connected").isFalse();
    // uint64 counters are strings, as Kuma's protobuf JSON renders them
    JsonNode total = sub.get("status").get("total");
    assertThat(total.get("responsesSent").isTextual()).as("%s", total).isTrue();
    assertThat(Long.parseLong(total.get("responsesSent").asText())).isPositive();
    assertThat(total.get("responsesAcknowledged").isTextual()).isTrue();
    assertThat(total.get("responsesRejected").asText()).isEqualTo("0");
    sub.get("status")
        .get("stat")
        .forEach(t -> assertThat(t.get("responsesSent").isTextual()).as("%s", t).isTrue());
    // the zone sent its store type: kumactl's BACKEND column reads json(config).store.type
    assertThat(sub.get("config").isTextual()).isTrue();
    assertThat(JSON.readTree(sub.get("config").asText()).get("store").get("type").asText())
        .isEqualTo("memory");
    assertThat(sub.get("version").get("kumaCp").get("version").asText()).isNotBlank();
    assertThat(json(get(globalApi + "/zones/zone-1/_overview")).get("name").asText())
        .isEqualTo("zone-1");
    assertThat(get(globalApi + "/zones/nope/_overview").statusCode()).isEqualTo(404);

    JsonNode insights = json(get(globalApi + "/zone-insights"));
    assertThat(insights.get("total").asInt()).isEqualTo(1);
    assertThat(insights.get("items").get(0).get("type").asText()).isEqualTo("ZoneInsight");
    assertThat(insights.get("items").get(0).get("subscriptions").get(0).get("id").asText())
        .isEqualTo(sub.get("id").asText());
  }

  @Test
  void dataplaneAndIngressOverviews() throws Exception {
    JsonNode dps = json(get(globalApi + "/meshes/default/dataplanes+insights?size=1"));
    assertThat(dps.get("total").asInt()).isEqualTo(2);
    assertThat(dps.get("next").asText())
        .isEqualTo(globalApi + "/meshes/default/dataplanes+insights?offset=1&size=1");
    JsonNode webOverview =
        json(get(globalApi + "/meshes/default/dataplanes+insights/zone-1.web-1"));
    assertThat(webOverview.get("type").asText()).isEqualTo("DataplaneOverview");
    assertThat(webOverview.get("mesh").asText()).isEqualTo("default");
    assertThat(
            webOverview
                .get("dataplane")
                .get("networking")
                .get("inbound")
                .get(0)
                .get("port")
                .asInt())
        .isEqualTo(20002);
    JsonNode insight = webOverview.get("dataplaneInsight");
    JsonNode sub = insight.get("subscriptions").get(0);
    assertThat(sub.get("id").asText()).isNotBlank();
    assertThat(sub.get("controlPlaneInstanceId").asText()).isNotBlank();
    assertThat(sub.get("connectTime").asText()).isNotBlank();
    assertThat(sub.get("status").has("total")).isTrue();
    assertThat(insight.get("mTLS").get("issuedBackend").asText()).isEqualTo("ca-1");

    JsonNode ingresses = json(get(globalApi + "/zoneingresses+insights"));
    assertThat(ingresses.get("total").asInt()).isZero();
    assertThat(ingresses.get("items")).isEmpty();
    assertThat(ingresses.get("next").isNull()).isTrue();
  }

  /** kumactl inspect dataplanes --tag k=v [--gateway] sends tag=k:v and gateway=true. */
  @Test
  void dataplaneOverviewsAreFilteredByTagAndGatewayAsKumactlAsks() throws Exception {
    for (String api : List.of(globalApi, zoneApi)) {
      String list = api + "/meshes/default/dataplanes+insights";
      assertThat(names(json(get(list + "?tag=kuma.io/service:web"))))
          .as(api)
          .containsExactly(api.equals(globalApi) ? "zone-1.web-1" : "web-1");
      // Kuma matches a tag's value by substring, and * matches any value
      assertThat(names(json(get(list + "?tag=kuma.io/service:back")))).hasSize(1);
      assertThat(names(json(get(list + "?tag=kuma.io/service:*")))).hasSize(2);
      assertThat(names(json(get(list + "?tag=kuma.io/service:web&tag=version:v1")))).isEmpty();
      assertThat(names(json(get(list + "?tag=nope:web")))).isEmpty();
      assertThat(names(json(get(list + "?gateway=true")))).isEmpty();
      assertThat(names(json(get(list + "?gateway=false")))).hasSize(2);
      // kumactl sends ingress=true for --ingress; among dataplanes it selects nothing (as Kuma)
      assertThat(names(json(get(list + "?ingress=true")))).hasSize(2);
      HttpResponse<String> bad = get(list + "?gateway=maybe");
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(bad.body()).contains("gateway");
      // the next page keeps the filter
      JsonNode first = json(get(list + "?tag=kuma.io/service:*&size=1"));
      assertThat(first.get("next").asText())
          .isEqualTo(list + "?offset=1&size=1&tag=kuma.io%2Fservice%3A*");
      assertThat(json(get(first.get("next").asText())).get("items")).hasSize(1);
    }
  }

  /** kumactl inspect traffic-permission NAME: GET /meshes/{m}/{plural}/{name}/dataplanes. */
  @Test
  void aLegacyPolicyListsTheSidecarsItAppliesToOnGlobalAndZone() throws Exception {
    String path = "/meshes/default/traffic-permissions/allow-all-default/dataplanes";
    await().atMost(WAIT).until(() -> get(zoneApi + path).statusCode() == 200);
    for (String api : List.of(globalApi, zoneApi)) {
      String prefix = api.equals(globalApi) ? "zone-1." : "";
      JsonNode body = json(get(api + path));
      assertThat(body.get("total").asInt()).as(api).isEqualTo(2);
      Map<String, JsonNode> byName = new java.util.TreeMap<>();
      body.get("items")
          .forEach(
              item -> {
                assertThat(item.get("kind").asText()).isEqualTo("SidecarDataplane");
                assertThat(item.get("dataplane").get("mesh").asText()).isEqualTo("default");
                byName.put(item.get("dataplane").get("name").asText(), item.get("attachments"));
              });
      assertThat(byName.keySet()).containsExactly(prefix + "backend-1", prefix + "web-1");
      JsonNode web = byName.get(prefix + "web-1");
      assertThat(web).hasSize(1);
      assertThat(web.get(0).get("type").asText()).isEqualTo("inbound");
      assertThat(web.get(0).get("name").asText()).isEqualTo("127.0.0.1:20002:8082");
      assertThat(web.get(0).get("service").asText()).isEqualTo("web");

      assertThat(get(api + "/meshes/default/traffic-permissions/nope/dataplanes").statusCode())
          .isEqualTo(404);
      assertThat(
              get(api + "/meshes/nope/traffic-permissions/allow-all-default/dataplanes")
                  .statusCode())
          .isEqualTo(404);
      HttpResponse<String> notPolicy = get(api + "/meshes/default/dataplanes/web-1/dataplanes");
      assertThat(notPolicy.statusCode()).isEqualTo(404);
      assertThat(notPolicy.body()).contains("not a policy");
    }
    // a policy whose destination no sidecar serves applies to none
    HttpResponse<String> put =
        send(
            HttpRequest.newBuilder(URI.create(globalApi + "/meshes/default/timeouts/to-nobody"))
                .header("Content-Type", "application/yaml")
                .PUT(
                    HttpRequest.BodyPublishers.ofString(
                        """
                        type: Timeout
                        mesh: default
                        name: to-nobody
                        sources: [{match: {kuma.io/service: '*'}}]
                        destinations: [{match: {kuma.io/service: nobody}}]
                        conf: {connectTimeout: 5s}
                        """)));
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    JsonNode none = json(get(globalApi + "/meshes/default/timeouts/to-nobody/dataplanes"));
    assertThat(none.get("total").asInt()).isZero();
    assertThat(none.get("items")).isEmpty();
  }

  /** kumactl export reads the type list first: GET /_resources. */
  @Test
  void resourceTypeListForExport() throws Exception {
    JsonNode g = json(get(globalApi + "/_resources")).get("resources");
    JsonNode z = json(get(zoneApi + "/_resources")).get("resources");
    List<String> names = new ArrayList<>();
    g.forEach(r -> names.add(r.get("name").asText()));
    assertThat(names).isSorted().contains("Mesh", "TrafficPermission", "Dataplane", "Zone");
    Map<String, JsonNode> onGlobal = byName(g);
    Map<String, JsonNode> onZone = byName(z);
    JsonNode tp = onGlobal.get("TrafficPermission");
    assertThat(tp.get("path").asText()).isEqualTo("traffic-permissions");
    assertThat(tp.get("scope").asText()).isEqualTo("Mesh");
    assertThat(tp.get("readOnly").asBoolean()).isFalse();
    assertThat(tp.get("includeInFederation").asBoolean()).isTrue();
    assertThat(tp.get("singularDisplayName").asText()).isEqualTo("Traffic Permission");
    assertThat(tp.get("pluralDisplayName").asText()).isEqualTo("Traffic Permissions");
    assertThat(tp.get("policy").get("isTargetRef").asBoolean(true)).isFalse();
    assertThat(onZone.get("TrafficPermission").get("readOnly").asBoolean()).isTrue();
    JsonNode mesh = onGlobal.get("Mesh");
    assertThat(mesh.get("scope").asText()).isEqualTo("Global");
    assertThat(mesh.get("includeInFederation").asBoolean()).isTrue();
    assertThat(mesh.has("policy")).isFalse();
    assertThat(onGlobal.get("Retry").get("pluralDisplayName").asText()).isEqualTo("Retries");
    JsonNode dp = onGlobal.get("Dataplane");
    assertThat(dp.get("readOnly").asBoolean()).isTrue();
    assertThat(dp.get("includeInFederation").asBoolean()).isFalse();
    assertThat(onZone.get("Dataplane").get("readOnly").asBoolean()).isFalse();
    assertThat(onGlobal.get("Secret").has("policy")).isFalse();
    assertThat(onGlobal.get("DataplaneInsight").has("policy")).isFalse();
  }

  private static Map<String, JsonNode> byName(JsonNode resources) {
    Map<String, JsonNode> out = new java.util.HashMap<>();
    resources.forEach(r -> out.put(r.get("name").asText(), r));
    return out;
  }

  private static List<String> names(JsonNode list) {
    List<String> out = new ArrayList<>();
    list.get("items").forEach(i -> out.add(i.get("name").asText()));
    assertThat(list.get("total").asInt()).isEqualTo(out.size());
    return out;
  }

  private static void assertStat(JsonNode stat, int total, int online, int offline) {
    assertThat(stat).as("stat").isNotNull();
    assertThat(stat.get("total").asInt()).as("total in %s", stat).isEqualTo(total);
    assertThat(stat.get("online").asInt()).as("online in %s", stat).isEqualTo(online);
    assertThat(stat.get("offline").asInt()).as("offline in %s", stat).isEqualTo(offline);
  }

  private static int sumTotals(JsonNode byVersion) {
    List<Integer> totals = new ArrayList<>();
    byVersion.forEach(v -> totals.add(v.get("total").asInt()));
    return totals.stream().mapToInt(Integer::intValue).sum();
  }

  private void settled(String api, String web) throws Exception {
    JsonNode dps = json(get(api + "/meshes/default/dataplanes+insights"));
    assertThat(dps.get("total").asInt()).isEqualTo(2);
    JsonNode overview = null;
    for (JsonNode item : dps.get("items")) {
      if (item.get("name").asText().equals(web)) {
        overview = item;
      }
    }
    assertThat(overview).as("%s on %s", web, api).isNotNull();
    assertThat(overview.get("online").asBoolean()).isTrue();
    assertThat(overview.path("dataplaneInsight").path("mTLS").path("issuedBackend").asText())
        .isEqualTo("ca-1");
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(
        request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String url) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(url)));
  }

  private JsonNode json(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private String dataplaneToken(String name) throws Exception {
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(URI.create(zoneApi + "/tokens/dataplane"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"mesh\": \"default\", \"name\": \"" + name + "\"}")));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body().strip();
  }

  private void register(String name, String service, int port, int servicePort) throws Exception {
    String body =
        "{\"type\": \"Dataplane\", \"mesh\": \"default\", \"name\": \""
            + name
            + "\", \"networking\": {\"address\": \"127.0.0.1\", \"inbound\": [{\"port\": "
            + port
            + ", \"servicePort\": "
            + servicePort
            + ", \"tags\": {\"kuma.io/service\": \""
            + service
            + "\"}}]}}";
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(URI.create(zoneApi + "/meshes/default/dataplanes/" + name))
                .header("Content-Type", "application/json")
                .header(DataplaneTokenHeader.NAME, dataplaneToken(name))
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
  }
}

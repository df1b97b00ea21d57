package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.meshfed.model.DataplaneTokenHeader;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.SimulatedEnvoy;
import io.meshfed.zone.ZoneConfig;
import io.meshfed.zone.ZoneControlPlane;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inspect routes of a real zone control plane (REST API and xDS port): which policies apply to
 * a dataplane, and the config the zone sends its proxy, following a policy change.
 */
class DataplaneInspectIT {
  private static final String TIMEOUT =
      """
      type: Timeout
      mesh: default
      name: %s
      sources: [{match: {kuma.io/service: '%s'}}]
      destinations: [{match: {kuma.io/service: '%s'}}]
      conf: {connectTimeout: %s, tcp: {idleTimeout: 1h}}
      """;

  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final ObjectMapper json = new ObjectMapper();
  private final ResourceCodec codec = new ResourceCodec(StandardTypes.registry());
  private final MemoryResourceStore store = new MemoryResourceStore();
  private ZoneControlPlane cp;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    put("type: Mesh\nname: default\n");
    put(TIMEOUT.formatted("timeout-all", "*", "*", "5s"));
    put(TIMEOUT.formatted("web-to-backend", "web", "backend", "2s"));
    put(
        """
        type: TrafficRoute
        mesh: default
        name: route-all
        sources: [{match: {kuma.io/service: '*'}}]
        destinations: [{match: {kuma.io/service: '*'}}]
        conf: {destination: {kuma.io/service: '*'}}
        """);
    Map<String, String> flags = new HashMap<>();
    flags.put("zone", "zone-1");
    flags.put("global-address", "grpc://127.0.0.1:" + FreePorts.one());
    flags.put("kds-insecure", "true");
    flags.put("zone-token-file", Files.writeString(dir.resolve("token"), "t\n").toString());
    flags.put("api-port", "0");
    flags.put("xds-port", "0");
    flags.put("data-dir", dir.resolve("data").toString());
    flags.put("dp-token-required", "true");
    cp = new ZoneControlPlane(ZoneConfig.load(flags, Map.of(), null), store, Clock.systemUTC());
    cp.start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", cp.xdsPort()).usePlaintext().build();
    register(
        "backend-1",
        "{\"port\": 20001, \"servicePort\": 8081, \"tags\": {\"kuma.io/service\": \"backend\"}}",
        "");
    register(
        "web-1",
        "{\"port\": 20002, \"servicePort\": 8082, \"tags\": {\"kuma.io/service\": \"web\"}}",
        ", \"outbound\": [{\"port\": 10001, \"tags\": {\"kuma.io/service\": \"backend\"}}]");
  }

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (cp != null) {
      cp.close();
    }
  }

  private void put(String yaml) throws Exception {
    Resource r = codec.decodeOne(yaml);
    Optional<Resource> old = store.get(r.key()).get();
    if (old.isPresent()) {
      store.update(r.withMeta(old.get().meta()), old.get().version()).get();
    } else {
      store.create(r).get();
    }
  }

  private void register(String name, String inbound, String outbounds) throws Exception {
    String body =
        "{\"type\": \"Dataplane\", \"mesh\": \"default\", \"name\": \""
            + name
            + "\", \"networking\": {\"address\": \"127.0.0.1\", \"inbound\": ["
            + inbound
            + "]"
            + outbounds
            + "}}";
    HttpResponse<String> r =
        http.send(
            request("/meshes/default/dataplanes/" + name)
                .header("Content-Type", "application/json")
                .header(DataplaneTokenHeader.NAME, token(name))
                .PUT(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
  }

  private String token(String name) throws Exception {
    HttpResponse<String> r =
        http.send(
            request("/tokens/dataplane")
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"mesh\": \"default\", \"name\": \"" + name + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body().strip();
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.apiPort() + path));
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private Channel withToken(String token) {
    Metadata md = new Metadata();
    md.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md));
  }

  private static JsonNode item(JsonNode body, String type, String name) {
    for (JsonNode item : body.get("items")) {
      if (item.get("type").asText().equals(type) && item.get("name").asText().equals(name)) {
        return item;
      }
    }
    throw new AssertionError("no " + type + " " + name + " in " + body);
  }

  private String backendConnectTimeout() throws Exception {
    HttpResponse<String> r = get("/meshes/default/dataplanes/web-1/xds");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    for (JsonNode c :
        json.readTree(r.body()).get("configs").get(0).get("dynamic_active_clusters")) {
      if (c.get("cluster").get("name").asText().equals("backend")) {
        return c.get("cluster").get("connect_timeout").asText();
      }
    }
    throw new AssertionError("no backend cluster in " + r.body());
  }

  @Test
  void policiesNamesWhatAppliesPerInboundOutboundAndService() throws Exception {
    HttpResponse<String> r = get("/meshes/default/dataplanes/web-1/policies");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = json.readTree(r.body());
    assertThat(body.get("kind").asText()).isEqualTo("SidecarDataplane");
    assertThat(body.get("total").asInt()).isEqualTo(3);
    JsonNode inbound = item(body, "inbound", "127.0.0.1:20002:8082");
    assertThat(inbound.get("service").asText()).isEqualTo("web");
    assertThat(inbound.get("matchedPolicies").size()).isZero(); // no mTLS: nothing enforced
    JsonNode outbound = item(body, "outbound", "127.0.0.1:10001");
    assertThat(outbound.get("service").asText()).isEqualTo("backend");
    JsonNode timeout = outbound.get("matchedPolicies").get("Timeout").get(0);
    assertThat(timeout.get("name").asText()).isEqualTo("web-to-backend");
    assertThat(timeout.get("type").asText()).isEqualTo("Timeout");
    assertThat(timeout.get("conf").get("connectTimeout").asText()).isEqualTo("2s");
    assertThat(outbound.get("matchedPolicies").get("TrafficRoute").get(0).get("name").asText())
        .isEqualTo("route-all");
    assertThat(item(body, "service", "backend").get("matchedPolicies").size()).isZero();

    // backend-1 has no outbound: its catch-alls do not show anywhere
    JsonNode backend = json.readTree(get("/meshes/default/dataplanes/backend-1/policies").body());
    assertThat(backend.get("total").asInt()).isEqualTo(1);

    HttpResponse<String> unknown = get("/meshes/default/dataplanes/nope/policies");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("Dataplane 'nope' not found in mesh 'default'");
    assertThat(get("/meshes/other/dataplanes/web-1/policies").body())
        .contains("Mesh 'other' not found");
  }

  @Test
  void xdsShowsThePublishedConfigWhileTheProxyIsConnectedAndFollowsPolicyChanges()
      throws Exception {
    HttpResponse<String> before = get("/meshes/default/dataplanes/web-1/xds");
    assertThat(before.statusCode()).isEqualTo(404);
    assertThat(before.body()).contains("not connected to this zone");

    try (SimulatedEnvoy envoy =
        SimulatedEnvoy.connect(
            withToken(token("web-1")), "default.web-1", Map.of(), (t, v) -> {})) {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> envoy.ackedVersions().containsKey(SimulatedEnvoy.LISTENER));
      JsonNode dump = json.readTree(get("/meshes/default/dataplanes/web-1/xds").body());
      assertThat(dump.get("configs").get(2).get("dynamic_listeners").toString())
          .contains("outbound:127.0.0.1:10001")
          .contains("inbound:127.0.0.1:20002");
      assertThat(dump.get("configs").get(0).get("version_info").asText())
          .isEqualTo(envoy.ackedVersions().get(SimulatedEnvoy.CLUSTER));
      assertThat(backendConnectTimeout()).isEqualTo("2s");

      put(TIMEOUT.formatted("web-to-backend", "web", "backend", "3s"));

      await().atMost(Duration.ofSeconds(20)).until(() -> backendConnectTimeout().equals("3s"));
      JsonNode policies = json.readTree(get("/meshes/default/dataplanes/web-1/policies").body());
      assertThat(
              item(policies, "outbound", "127.0.0.1:10001")
                  .get("matchedPolicies")
                  .get("Timeout")
                  .get(0)
                  .get("conf")
                  .get("connectTimeout")
                  .asText())
          .isEqualTo("3s");
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> get("/meshes/default/dataplanes/web-1/xds").statusCode() == 404);
  }
}

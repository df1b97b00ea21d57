package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.meshfed.cli.DemoPrometheus;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.MeshfedProcess;
import io.meshfed.testing.PrometheusProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus discovers every Envoy of a federation through global's HTTP SD and scrapes it
 * with Kuma's own relabel rules, and every Grafana dashboard panel's query returns data from it
 * (issue 12): global, zone-1 and zone-2 with an ingress each, a {@code web} sidecar in zone-1 and a
 * {@code backend} sidecar in zone-2 (demo apps) calling each other through the other zone's
 * ingress, in an mTLS mesh whose prometheus backend skips mTLS. The sidecars override the mesh's
 * metrics port, as two Envoys on one host must; the ingresses listen on their own loopback
 * addresses with the mesh's port. Prometheus runs the demo's own configuration ({@link
 * DemoPrometheus#config}: the HTTP SD job and the control planes' {@code /metrics}), scraping every
 * second.
 *
 * <p>The federation and Prometheus start once for the class; {@link #prometheusAfterTraffic()}
 * returns Prometheus's URL once the traffic has been scraped, for more checks on the same run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrometheusDiscoveryIT {
  private static final Duration CONVERGE = Duration.ofSeconds(90);
  private static final String TYPE_URL =
      "type.googleapis.com/kuma.observability.v1.MonitoringAssignment";
  private static final String INGRESS_1_ADDRESS = "127.0.0.2";
  private static final String INGRESS_2_ADDRESS = "127.0.0.3";

  @TempDir static Path dir;
  private Federation f;
  @RegisterExtension final LogsOnFailure logs = new LogsOnFailure(() -> f);
  private Federation.Node zone1;
  private Federation.Node zone2;
  private final List<MeshfedProcess> processes = new ArrayList<>();
  private PrometheusProcess prometheus;
  private int webOutbound;
  private int backendOutbound;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @BeforeAll
  void startFederationAndPrometheus() throws Exception {
    try {
      start();
    } catch (AssertionError | RuntimeException e) {
      System.out.println("===== logs" + (f == null ? "" : f.logs()));
      throw e;
    }
  }

  private void start() throws Exception {
    f = new Federation(dir).startGlobal();
    zone1 = f.startZone("zone-1");
    zone2 = f.startZone("zone-2");
    int meshMetricsPort = FreePorts.one();
    f.apply(
        f.global.api,
        "/meshes/default",
        """
        type: Mesh
        name: default
        mtls:
          enabledBackend: ca-1
          backends:
          - name: ca-1
            type: builtin
        metrics:
          enabledBackend: prom-1
          backends:
          - name: prom-1
            type: prometheus
            conf:
              port: %d
              path: /metrics
              skipMTLS: true
        """
            .formatted(meshMetricsPort));
    for (Federation.Node zone : List.of(zone1, zone2)) {
      await().atMost(CONVERGE).until(() -> f.get(zone.api, "/meshes/default") != null);
    }
    int ingress2 = FreePorts.one();
    processes.add(
        f.dpRun(
            zone1, "ingress-1", ingress("ingress-1", INGRESS_1_ADDRESS, FreePorts.one()), true));
    processes.add(
        f.dpRun(zone2, "ingress-2", ingress("ingress-2", INGRESS_2_ADDRESS, ingress2), true));
    int backendApp = demoApp("backend", "zone-2", "backend-1");
    backendOutbound = FreePorts.one();
    processes.add(
        f.dpRun(
            zone2,
            "backend-1",
            sidecar("backend-1", "backend", backendApp, "web", backendOutbound),
            false));
    int webApp = demoApp("web", "zone-1", "web-1");
    webOutbound = FreePorts.one();
    processes.add(
        f.dpRun(zone1, "web-1", sidecar("web-1", "web", webApp, "backend", webOutbound), false));

    // the demo's jobs: every Envoy global lists at /http-sd with Kuma's relabels, and the
    // control planes' /metrics
    prometheus =
        PrometheusProcess.launch(
            DemoPrometheus.config(
                List.of(hostPort(f.global.api), hostPort(zone1.api), hostPort(zone2.api)),
                f.global.madsPort,
                "1s"));

    await("web in zone-1 reaches backend in zone-2 through zone-2's ingress")
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(() -> call(webOutbound).statusCode() == 200);
    await("backend in zone-2 reaches web in zone-1 through zone-1's ingress")
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(() -> call(backendOutbound).statusCode() == 200);
    for (int i = 0; i < 20; i++) {
      assertThat(call(webOutbound).statusCode()).isEqualTo(200);
      assertThat(call(backendOutbound).statusCode()).isEqualTo(200);
    }
  }

  private int demoApp(String service, String zone, String instance) {
    int port = FreePorts.one();
    processes.add(
        MeshfedProcess.start(
            dir.resolve("app-" + instance + ".log"),
            "demo-app",
            "--port",
            String.valueOf(port),
            "--service",
            service,
            "--zone",
            zone,
            "--instance",
            instance));
    return port;
  }

  @AfterAll
  void stop() throws Exception {
    if (prometheus != null) {
      prometheus.close();
    }
    for (MeshfedProcess p : processes) {
      List<ProcessHandle> children =
          ProcessHandle.of(p.pid()).map(h -> h.descendants().toList()).orElse(List.of());
      p.close();
      children.forEach(ProcessHandle::destroyForcibly);
    }
    if (f != null) {
      f.close();
    }
  }

  /**
   * Prometheus's URL once every Envoy is scraped and the cross-zone requests show in a scrape: a
   * place for more checks (dashboard queries) on this running federation.
   */
  String prometheusAfterTraffic() {
    await("prometheus holds the cross-zone requests of web and backend")
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(
            () ->
                !series(
                            "sum by (kuma_io_zone, service)"
                                + " (envoy_cluster_upstream_rq_total{envoy_cluster_name=\"backend\","
                                + " kuma_io_zone=\"zone-1\", service=\"web\"}) > 0")
                        .isEmpty()
                    && !series(
                            "envoy_cluster_upstream_rq_total{kuma_io_zone=\"zone-2\","
                                + " service=\"backend\"} > 0")
                        .isEmpty());
    return prometheus.url();
  }

  @Test
  void prometheusScrapesEverySidecarAndIngressEnvoyFoundThroughGlobal() {
    String[] health = new String[1];
    await("every Envoy is an active target and up")
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(
            () -> {
              JsonNode targets =
                  Federation.JSON
                      .readTree(prometheus.get("/api/v1/targets?state=active"))
                      .path("data")
                      .path("activeTargets");
              Set<String> up = new TreeSet<>();
              Set<String> controlPlanesUp = new TreeSet<>();
              ArrayNode envoys = Federation.JSON.createArrayNode();
              for (JsonNode t : targets) {
                boolean isUp = "up".equals(t.path("health").asText());
                if ("kuma-dataplanes".equals(t.path("scrapePool").asText())) {
                  envoys.add(t);
                  if (isUp) {
                    up.add(t.path("labels").path("dataplane").asText());
                  }
                } else if (isUp) {
                  controlPlanesUp.add(t.path("labels").path("instance").asText());
                }
              }
              health[0] = envoys.toString();
              return up.equals(
                      Set.of(
                          "zone-1.ingress-1",
                          "zone-1.web-1",
                          "zone-2.ingress-2",
                          "zone-2.backend-1"))
                  && controlPlanesUp.equals(
                      Set.of(hostPort(f.global.api), hostPort(zone1.api), hostPort(zone2.api)));
            });
    JsonNode targets;
    try {
      targets = Federation.JSON.readTree(health[0]);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    assertThat(targets).hasSize(4);
    for (JsonNode t : targets) {
      JsonNode labels = t.path("labels");
      assertThat(labels.path("mesh").asText()).isEqualTo("default");
      assertThat(labels.path("kuma_io_zone").asText()).isIn("zone-1", "zone-2");
      assertThat(labels.path("service").asText())
          .isEqualTo(labels.path("kuma_io_service").asText())
          .isIn("web", "backend", "zone-ingress");
    }
  }

  @Test
  void theRequestsShowWithKumasLabels() throws Exception {
    prometheusAfterTraffic();

    JsonNode web =
        series(
            "envoy_cluster_upstream_rq_total{envoy_cluster_name=\"backend\","
                + " kuma_io_zone=\"zone-1\", service=\"web\"}");
    assertThat(web).isNotEmpty();
    assertThat(web.get(0).path("metric").path("dataplane").asText()).isEqualTo("zone-1.web-1");
    assertThat(web.get(0).path("metric").path("mesh").asText()).isEqualTo("default");
    assertThat(
            series("envoy_cluster_upstream_rq_total{kuma_io_zone=\"zone-2\", service=\"backend\"}"))
        .isNotEmpty();
    // the ingresses' own stats are scraped too
    assertThat(
            series("envoy_server_live{service=\"zone-ingress\"}").findValuesAsText("kuma_io_zone"))
        .containsExactlyInAnyOrder("zone-1", "zone-2");
  }

  @Test
  void aZoneServesItsOwnTargetsToKumaSdRequestsWithLongPolls() throws Exception {
    String madsUrl = "http://127.0.0.1:" + zone1.madsPort + "/v3/discovery:monitoringassignments";
    JsonNode[] first = new JsonNode[1];
    await("zone-1's MADS lists its sidecar and its ingress")
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(300))
        .until(
            () -> {
              // Prometheus's first kuma_sd request: no version or nonce yet, so they are left out
              HttpResponse<String> r =
                  kumaSd(
                      madsUrl + "?fetch-timeout=2m0s",
                      "{\"node\":{\"id\":\"prometheus\"}," + "\"type_url\":\"" + TYPE_URL + "\"}");
              assertThat(r.statusCode()).isEqualTo(200);
              first[0] = Federation.JSON.readTree(r.body());
              return targetNames(first[0]).equals(Set.of("ingress-1", "web-1"));
            });
    JsonNode zoneAnswer = first[0];
    assertThat(zoneAnswer.path("type_url").asText()).isEqualTo(TYPE_URL);

    // the same targets as global's HTTP SD holds for zone-1
    JsonNode globalGroups =
        Federation.JSON.readTree(
            f.getRaw("http://127.0.0.1:" + f.global.madsPort, "/http-sd").body());
    Set<String> globalZone1 = new TreeSet<>();
    for (JsonNode g : globalGroups) {
      if ("zone-1".equals(g.path("labels").path("__meta_kuma_label_kuma_io_zone").asText())) {
        globalZone1.add(
            g.path("labels").path("__meta_kuma_service").asText()
                + "@"
                + g.path("targets").get(0).asText()
                + g.path("labels").path("__metrics_path__").asText());
      }
    }
    Set<String> zoneTargets = new TreeSet<>();
    for (JsonNode a : zoneAnswer.path("resources")) {
      JsonNode t = a.path("targets").get(0);
      zoneTargets.add(
          a.path("service").asText()
              + "@"
              + t.path("address").asText()
              + t.path("metrics_path").asText());
    }
    assertThat(zoneTargets).hasSize(2).isEqualTo(globalZone1);

    // the next request carries the version as version_info and nonce: nothing changed, 304
    String version = zoneAnswer.path("version_info").asText();
    HttpResponse<String> unchanged =
        kumaSd(
            madsUrl + "?fetch-timeout=2s",
            "{\"version_info\":\""
                + version
                + "\",\"node\":{\"id\":\"prometheus\"},"
                + "\"type_url\":\""
                + TYPE_URL
                + "\",\"response_nonce\":\""
                + version
                + "\"}");
    assertThat(unchanged.statusCode()).isEqualTo(304);
  }

  /** The values Grafana would put in the variables when a user picks this federation's names. */
  private static Map<String, String> variables() {
    Map<String, String> v = new HashMap<>();
    v.put("mesh", "default");
    v.put("zone", ".*"); // "All"
    v.put("source_zone", ".*");
    v.put("instance", ".*");
    // Kuma's relabels make the dataplane label <zone>.<name>
    v.put("dataplane", "zone-1.web-1");
    v.put("source_service", "web");
    v.put("destination_service", "backend");
    // scrape interval 1 s: a 10 s window holds enough samples for rate()
    v.put("__rate_interval", "10s");
    v.put("__interval", "2s");
    v.put("__interval_ms", "2000");
    v.put("__range", "5m");
    v.put("__range_s", "300");
    return v;
  }

  @Test
  void everyDashboardPanelReturnsDataAndTheServiceToServicePanelsShowTheZones() throws Exception {
    long start = System.nanoTime();
    URI uri = URI.create(prometheusAfterTraffic());
    DashboardQueries queries = DashboardQueries.load(DashboardQueries.defaultDirectory());
    Map<String, String> vars = variables();
    List<String> missing = new ArrayList<>();
    try {
      await("every dashboard query returns data (traffic both ways meanwhile)")
          .atMost(CONVERGE)
          .pollInterval(Duration.ofSeconds(1))
          .ignoreExceptions()
          .until(
              () -> {
                for (int i = 0; i < 5; i++) {
                  callQuietly(webOutbound);
                  callQuietly(backendOutbound);
                }
                missing.clear();
                missing.addAll(queries.panelsWithoutData(uri, vars));
                return missing.isEmpty();
              });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "dashboard queries without data after " + CONVERGE + ":\n" + String.join("\n", missing),
          e);
    }
    queries.assertEveryPanelReturnsData(uri, vars);

    // the service-to-service dashboard sees web's requests leave zone-1 and arrive in zone-2
    assertThat(zones(queries, "Requests per second, by source zone", vars))
        .containsExactly("zone-1");
    assertThat(zones(queries, "Requests served, by destination zone", vars))
        .containsExactly("zone-2");
    System.out.printf(
        "PrometheusDiscoveryIT: %d queries of %d dashboards returned data, %.1f s into the test%n",
        queries.all().size(), queries.dashboards().size(), (System.nanoTime() - start) / 1e9);
  }

  /** The {@code kuma_io_zone} values a service-to-service panel's first query returns. */
  private List<String> zones(DashboardQueries queries, String panel, Map<String, String> vars)
      throws Exception {
    DashboardQueries.Query q =
        queries.panelQueries().stream()
            .filter(p -> p.dashboard().equals("meshfed / Service to service"))
            .filter(p -> p.source().equals("panel '" + panel + "'"))
            .findFirst()
            .orElseThrow(
                () -> new AssertionError("no panel '" + panel + "' in Service to service"));
    List<String> zones = new ArrayList<>();
    series(DashboardQueries.substitute(q.expr(), vars))
        .forEach(s -> zones.add(s.path("metric").path("kuma_io_zone").asText()));
    return zones;
  }

  private HttpResponse<String> kumaSd(String url, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static Set<String> targetNames(JsonNode response) {
    Set<String> names = new TreeSet<>();
    for (JsonNode a : response.path("resources")) {
      names.add(a.path("targets").get(0).path("name").asText());
    }
    return names;
  }

  private JsonNode series(String promql) throws Exception {
    return Federation.JSON.readTree(prometheus.query(promql)).path("data").path("result");
  }

  private HttpResponse<String> call(int outbound) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + outbound + "/"))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private void callQuietly(int outbound) {
    try {
      call(outbound);
    } catch (Exception e) {
      // a failed call only means less traffic this round: the next poll sends again
    }
  }

  private static String hostPort(String api) {
    return URI.create(api).getAuthority();
  }

  /** A sidecar of {@code service} with its own metrics port and an outbound to {@code target}. */
  private static String sidecar(
      String name, String service, int servicePort, String target, int outbound) {
    return """
        type: Dataplane
        mesh: default
        name: %s
        networking:
          address: 127.0.0.1
          inbound:
          - port: %d
            servicePort: %d
            tags:
              kuma.io/service: %s
              kuma.io/protocol: http
          outbound:
          - port: %d
            tags:
              kuma.io/service: %s
        metrics:
          type: prometheus
          conf:
            port: %d
        """
        .formatted(name, FreePorts.one(), servicePort, service, outbound, target, FreePorts.one());
  }

  private static String ingress(String name, String address, int port) {
    return """
        type: ZoneIngress
        name: %s
        networking:
          address: %s
          port: %d
          advertisedAddress: %s
          advertisedPort: %d
        """
        .formatted(name, address, port, address, port);
  }
}

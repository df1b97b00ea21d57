package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.testing.FreePorts;
import io.meshfed.testing.MeshfedProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every panel of the Grafana dashboards in {@code deploy/grafana} returns data from a real
 * Prometheus scraping a real federation: a global and two zones (processes), an ingress per zone,
 * {@code web} in zone-1 and {@code backend} in zone-2 ({@code meshfed demo-app} behind {@code dp
 * run} sidecars), each calling the other across zones through the other zone's ingress, in an mTLS
 * mesh with a {@code prometheus} metrics backend ({@code skipMTLS: true}; each sidecar overrides
 * the port, all run on 127.0.0.1). {@link LocalPrometheus} scrapes the control planes' {@code
 * /metrics} and each sidecar's endpoint with the labels Kuma's relabel rules give ({@code mesh},
 * {@code service}, {@code dataplane}, {@code kuma_io_service}, {@code kuma_io_zone}...). Also:
 * {@code promtool check rules} parses every expression.
 */
class DashboardsIT {
  private static final Duration CONVERGE = Duration.ofSeconds(90);

  private static final String MESH =
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
          conf: {port: 5670, path: /metrics, skipMTLS: true}
      """;

  @TempDir Path dir;
  private Federation f;
  @RegisterExtension final LogsOnFailure logs = new LogsOnFailure(() -> f);
  private final List<MeshfedProcess> processes = new ArrayList<>();
  private LocalPrometheus prometheus;
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  @AfterEach
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

  /** The values Grafana would put in the variables when a user picks this federation's names. */
  private static Map<String, String> variables() {
    Map<String, String> v = new HashMap<>();
    v.put("mesh", "default");
    v.put("zone", ".*"); // "All"
    v.put("source_zone", ".*");
    v.put("instance", ".*");
    v.put("dataplane", "web-1");
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
  void promtoolParsesEveryExpression() throws Exception {
    DashboardQueries queries = DashboardQueries.load(DashboardQueries.defaultDirectory());
    Path rules = dir.resolve("dashboards.rules.yml");
    Files.writeString(rules, queries.rulesFile(variables()));

    Process p =
        new ProcessBuilder("promtool", "check", "rules", rules.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(p.exitValue()).as("promtool check rules:\n%s", out).isZero();
    assertThat(out).contains("SUCCESS: " + queries.all().size() + " rules found");
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void everyPanelReturnsDataFromARealFederation() throws Exception {
    long start = System.nanoTime();
    f = new Federation(dir).startGlobal();
    Federation.Node zone1 = f.startZone("zone-1");
    Federation.Node zone2 = f.startZone("zone-2");
    f.apply(f.global.api, "/meshes/default", MESH);
    await()
        .atMost(CONVERGE)
        .until(
            () ->
                f.get(zone1.api, "/meshes/default/traffic-permissions/allow-all-default") != null
                    && f.get(zone2.api, "/meshes/default/traffic-permissions/allow-all-default")
                        != null);

    processes.add(f.dpRun(zone1, "ingress-1", ingress("ingress-1"), true));
    processes.add(f.dpRun(zone2, "ingress-2", ingress("ingress-2"), true));
    Sidecar web = sidecar(zone1, "web-1", "web", "zone-1", "backend");
    Sidecar backend = sidecar(zone2, "backend-1", "backend", "zone-2", "web");

    List<LocalPrometheus.Job> jobs = new ArrayList<>();
    jobs.add(
        new LocalPrometheus.Job(
            "meshfed-control-planes",
            List.of(hostPort(f.global.api), hostPort(zone1.api), hostPort(zone2.api)),
            Map.of()));
    for (Sidecar s : List.of(web, backend)) {
      // what Kuma's relabel rules make of the MADS / HTTP SD labels of this dataplane
      jobs.add(
          new LocalPrometheus.Job(
              "kuma-dataplanes",
              List.of("127.0.0.1:" + s.metricsPort()),
              Map.of(
                  "mesh", "default",
                  "service", s.service(),
                  "dataplane", s.name(),
                  "kuma_io_service", s.service(),
                  "kuma_io_protocol", "http",
                  "kuma_io_zone", s.zone())));
    }
    prometheus = LocalPrometheus.start(dir.resolve("prometheus"), jobs);

    DashboardQueries queries = DashboardQueries.load(DashboardQueries.defaultDirectory());
    Map<String, String> vars = variables();
    List<String> missing = new ArrayList<>();
    await("every dashboard query returns data (traffic both ways meanwhile)")
        .atMost(CONVERGE)
        .pollInterval(Duration.ofSeconds(1))
        .ignoreExceptions()
        .until(
            () -> {
              for (int i = 0; i < 5; i++) {
                call(web.outboundPort());
                call(backend.outboundPort());
              }
              missing.clear();
              missing.addAll(queries.panelsWithoutData(prometheus.uri, vars));
              return missing.isEmpty();
            });
    queries.assertEveryPanelReturnsData(prometheus.uri, vars);

    // the service-to-service dashboard sees web's requests leave zone-1 and arrive in zone-2
    assertThat(zones(queries, "Requests per second, by source zone", vars))
        .containsExactly("zone-1");
    assertThat(zones(queries, "Requests served, by destination zone", vars))
        .containsExactly("zone-2");
    System.out.printf(
        "DashboardsIT: %d queries of %d dashboards returned data, %.1f s after the start%n",
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
            .orElseThrow();
    String expr = DashboardQueries.substitute(q.expr(), vars);
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(
                    prometheus.uri.resolve(
                        "/api/v1/query?query="
                            + java.net.URLEncoder.encode(
                                expr, java.nio.charset.StandardCharsets.UTF_8)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    List<String> zones = new ArrayList<>();
    Federation.JSON
        .readTree(r.body())
        .path("data")
        .path("result")
        .forEach(s -> zones.add(s.path("metric").path("kuma_io_zone").asText()));
    return zones;
  }

  private void call(int port) {
    try {
      client.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
              .timeout(Duration.ofSeconds(2))
              .build(),
          HttpResponse.BodyHandlers.discarding());
    } catch (Exception e) {
      // not routable yet: the next poll sends again
    }
  }

  private static String hostPort(String api) {
    return URI.create(api).getAuthority();
  }

  /** A running sidecar: its names and ports. */
  private record Sidecar(
      String name, String service, String zone, int outboundPort, int metricsPort) {}

  /**
   * A demo app for {@code service} and its sidecar in {@code zone}, with an outbound to {@code
   * target} and its own metrics port (a Dataplane override of the mesh's 5670).
   */
  private Sidecar sidecar(
      Federation.Node zone, String name, String service, String zoneName, String target) {
    int app = FreePorts.one();
    processes.add(
        MeshfedProcess.start(
            dir.resolve("app-" + name + ".log"),
            "demo-app",
            "--port",
            String.valueOf(app),
            "--service",
            service,
            "--zone",
            zoneName,
            "--instance",
            name));
    int outbound = FreePorts.one();
    int metrics = FreePorts.one();
    processes.add(
        f.dpRun(
            zone,
            name,
            """
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
              admin:
                port: %d
            metrics:
              type: prometheus
              conf:
                port: %d
            """
                .formatted(
                    name,
                    FreePorts.one(),
                    app,
                    service,
                    outbound,
                    target,
                    FreePorts.one(),
                    metrics),
            false));
    return new Sidecar(name, service, zoneName, outbound, metrics);
  }

  private static String ingress(String name) {
    int port = FreePorts.one();
    return """
        type: ZoneIngress
        name: %s
        networking:
          address: 127.0.0.1
          port: %d
          advertisedAddress: 127.0.0.1
          advertisedPort: %d
          admin:
            port: %d
        """
        .formatted(name, port, port, FreePorts.one());
  }
}

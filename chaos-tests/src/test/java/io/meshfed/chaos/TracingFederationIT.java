package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.cli.DemoApp;
import io.meshfed.testing.FreePorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request from {@code web} in zone-1 to {@code backend} in zone-2 shows up in a real Zipkin as
 * one trace (issue 12, "traces"): a global and two zones as processes, zone-2's ingress and both
 * sidecars run by {@code meshfed dp run} (real Envoys), a demo app behind backend's sidecar, an
 * mTLS mesh whose {@code tracing} has one zipkin backend (sampling 100) pointing at a {@link
 * ZipkinProcess}, and one TrafficTrace for every service, all written on global.
 *
 * <p>The trace holds a CLIENT span from {@code web} (its outbound listener) and a SERVER span from
 * {@code backend} (its inbound listener) under one trace id; the client span's {@code
 * upstream_cluster} is {@code backend}, whose only endpoint in web's Envoy is zone-2's ingress, and
 * the ingress's SNI cluster carried the connection. The ingress itself adds no span: it forwards
 * the still-encrypted TLS by SNI, and Envoy traces HTTP only.
 */
class TracingFederationIT {
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final int REQUESTS = 5;

  @TempDir Path dir;
  private Federation f;
  private ZipkinProcess zipkin;
  private DemoApp backendApp;
  @RegisterExtension final LogsOnFailure logs = new LogsOnFailure(() -> f);
  private final Proxies proxies = new Proxies();

  @AfterEach
  void stop() throws Exception {
    proxies.close();
    if (backendApp != null) {
      backendApp.close();
    }
    if (f != null) {
      f.close();
    }
    if (zipkin != null) {
      zipkin.close();
    }
  }

  @Test
  void aCrossZoneRequestIsOneTraceWithTheClientSpanOfWebAndTheServerSpanOfBackend()
      throws Exception {
    long start = System.nanoTime();
    zipkin = ZipkinProcess.start(dir.resolve("zipkin.log"));
    f = new Federation(dir).startGlobal();
    // both zones boot at once
    List<Federation.Node> zones = f.startZones("zone-1", "zone-2");
    Federation.Node zone1 = zones.get(0);
    Federation.Node zone2 = zones.get(1);
    zipkin.awaitHealthy(CONVERGE);
    long ready = System.nanoTime();

    f.apply(
        f.global.api,
        "/meshes/default",
        MeshYaml.meshMtlsOn(
            """
        tracing:
          defaultBackend: zipkin-1
          backends:
          - name: zipkin-1
            type: zipkin
            sampling: 100
            conf:
              url: %s
        """
                .formatted(zipkin.spansUrl())));
    f.apply(
        f.global.api,
        "/meshes/default/traffic-traces/trace-all",
        """
        type: TrafficTrace
        name: trace-all
        mesh: default
        selectors:
        - match:
            kuma.io/service: '*'
        """);
    for (Federation.Node zone : List.of(zone1, zone2)) {
      await()
          .atMost(CONVERGE)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> f.get(zone.api, "/meshes/default/traffic-traces/trace-all") != null);
    }

    int ingress = FreePorts.one();
    int ingressAdmin = FreePorts.one();
    proxies.ingress(f, zone2, "ingress-2", ingress, ingressAdmin);
    int backendInbound = FreePorts.one();
    backendApp = DemoApp.start("127.0.0.1", FreePorts.one(), "backend", "zone-2", "1");
    proxies.sidecar(
        f,
        zone2,
        MeshYaml.sidecar("backend-1").inboundHttp(backendInbound, backendApp.port(), "backend"));
    int webOutbound = FreePorts.one();
    int webAdmin = FreePorts.one();
    proxies.sidecar(
        f,
        zone1,
        MeshYaml.sidecar("web-1")
            .inboundHttp(FreePorts.one(), FreePorts.one(), "web")
            .outbound(webOutbound, "backend")
            .admin(webAdmin));

    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(3))
            .build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webOutbound + "/traced"))
            .timeout(Duration.ofSeconds(5))
            .build();
    await("web reaches backend in zone-2 through zone-2's ingress")
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(300))
        .ignoreExceptions()
        .until(
            () -> {
              HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
              return r.statusCode() == 200 && r.body().contains("\"zone\":\"zone-2\"");
            });
    // web's Envoy is configured with the tracer (the answer above may predate it)
    await("web's Envoy has the zipkin tracer")
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(300))
        .until(
            () ->
                f.getRaw("http://127.0.0.1:" + webAdmin, "/config_dump")
                    .body()
                    .contains("envoy.tracers.zipkin"));
    long answering = System.nanoTime();
    for (int i = 0; i < REQUESTS; i++) {
      HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    // Envoy flushes spans every 5 s (or every 5 spans)
    JsonNode[] found = new JsonNode[1];
    await("a trace from web to backend in Zipkin")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(
            () -> {
              for (JsonNode trace : zipkin.traces("web", 50)) {
                if (span(trace, "CLIENT", "web").isPresent()
                    && span(trace, "SERVER", "backend").isPresent()) {
                  found[0] = trace;
                  return true;
                }
              }
              return false;
            });
    JsonNode trace = found[0];
    JsonNode clientSpan = span(trace, "CLIENT", "web").orElseThrow();
    JsonNode serverSpan = span(trace, "SERVER", "backend").orElseThrow();
    long now = System.nanoTime();
    System.out.printf(
        "TracingFederationIT: global, zones and Zipkin ready after %d ms, web answered by zone-2"
            + " %d ms later, the trace in Zipkin %d ms after that (%d ms in all):%n"
            + "  client %s%n  server %s%n",
        (ready - start) / 1_000_000,
        (answering - ready) / 1_000_000,
        (now - answering) / 1_000_000,
        (now - start) / 1_000_000,
        clientSpan,
        serverSpan);

    assertThat(serverSpan.path("traceId").asText()).isEqualTo(clientSpan.path("traceId").asText());
    assertThat(clientSpan.path("tags").path("http.url").asText()).endsWith("/traced");
    assertThat(clientSpan.path("tags").path("http.status_code").asText()).isEqualTo("200");
    assertThat(clientSpan.path("tags").path("upstream_cluster").asText()).isEqualTo("backend");
    // Envoy tags no upstream address without an upstream span (Kuma spawns none): the hop
    // through zone-2's ingress shows in web's only endpoint of cluster backend, and in the
    // ingress's SNI cluster, which carried the connection
    assertThat(f.getRaw("http://127.0.0.1:" + webAdmin, "/clusters").body())
        .contains("backend::127.0.0.1:" + ingress + "::")
        .doesNotContain("::127.0.0.1:" + backendInbound + "::");
    assertThat(ingressConnections(ingressAdmin)).isPositive();
    assertThat(serverSpan.path("tags").path("upstream_cluster").asText())
        .isEqualTo("localhost:" + backendApp.port());
    // no span from the ingress: it relays TLS without decrypting it
    for (JsonNode span : trace) {
      assertThat(span.path("localEndpoint").path("serviceName").asText()).isIn("web", "backend");
    }
  }

  /** Connections zone-2's ingress opened to local services over its SNI clusters. */
  private long ingressConnections(int adminPort) {
    long sum = 0;
    for (String line : f.getRaw("http://127.0.0.1:" + adminPort, "/stats").body().split("\n")) {
      if (line.startsWith("cluster.") && line.contains(".meshfed.upstream_cx_total:")) {
        sum += Long.parseLong(line.substring(line.lastIndexOf(':') + 1).trim());
      }
    }
    return sum;
  }

  /** The span of {@code kind} whose local service is {@code service}, if any. */
  private static Optional<JsonNode> span(JsonNode trace, String kind, String service) {
    for (JsonNode span : trace) {
      if (kind.equals(span.path("kind").asText())
          && service.equals(span.path("localEndpoint").path("serviceName").asText())) {
        return Optional.of(span);
      }
    }
    return Optional.empty();
  }
}

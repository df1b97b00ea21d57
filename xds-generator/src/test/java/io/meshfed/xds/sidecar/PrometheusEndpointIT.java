package io.meshfed.xds.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.model.Resource;
import io.meshfed.testing.EnvoyProcess;
import io.meshfed.testing.FreePorts;
import io.meshfed.xds.Identity;
import io.meshfed.xds.MeshState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Envoy serves its Prometheus metrics on the generated endpoint and nothing else of its
 * admin API. The sidecar web-1 (address 127.0.0.1) gets its config over ADS from a
 * java-control-plane server, as from a zone: first without {@code networking.admin.port} (no
 * endpoint), then with the admin port Envoy actually listens on. Requests are sent as raw HTTP/1.1
 * so that the request path reaches Envoy exactly as written.
 */
class PrometheusEndpointIT {
  private static final Logger LOG = LoggerFactory.getLogger(PrometheusEndpointIT.class);
  private static final Duration ENVOY_START = Duration.ofSeconds(60);
  private static final Duration APPLIED = Duration.ofSeconds(15);
  private static final String NODE = Fixtures.MESH + ".web-1";

  @TempDir Path tmp;

  private SidecarAds ads;
  private EnvoyProcess envoy;
  private int inboundPort;
  private int outboundPort;
  private int metricsPort;

  @BeforeEach
  void ports() throws IOException {
    List<Integer> ports = FreePorts.several(3);
    inboundPort = ports.get(0);
    outboundPort = ports.get(1);
    metricsPort = ports.get(2);
    ads = new SidecarAds();
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (envoy != null) {
      envoy.close();
    }
    if (ads != null) {
      ads.close();
    }
  }

  @Test
  void servesPrometheusTextOnTheConfiguredPathAndA404ForTheRestOfTheAdminApi() throws Exception {
    Map<String, Object> conf = Map.of("port", metricsPort, "skipMTLS", true);
    startWithoutAdminPort(false, conf);
    assertThat(envoy.adminGet("/listeners")).doesNotContain(PrometheusEndpoint.LISTENER);

    publish(false, conf, envoy.adminPort());
    Answer metrics = awaitMetrics("127.0.0.1");

    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.body()).contains("envoy_server_live", "envoy_cluster_upstream_rq_total");
    long series = metrics.body().lines().filter(l -> !l.startsWith("#")).count();
    LOG.info("one sidecar (1 inbound, 1 outbound, metrics) exposes {} series", series);
    assertThat(series).isGreaterThan(100);

    for (String path :
        List.of(
            "/config_dump",
            "/metrics/../config_dump",
            "/metrics/%2e%2e/config_dump",
            "//metrics/../quitquitquit",
            "/quitquitquit",
            "/metrics/",
            "/stats/prometheus",
            "/")) {
      assertThat(request("GET", path, "127.0.0.1").status()).as("GET %s", path).isEqualTo(404);
    }
    assertThat(request("POST", "/quitquitquit", "127.0.0.1").status()).isEqualTo(404);
    assertThat(request("POST", "/metrics/../quitquitquit", "127.0.0.1").status()).isEqualTo(404);
    assertThat(envoy.isAlive()).isTrue();
    assertThat(envoy.adminGet("/ready").strip()).isEqualTo("LIVE");
    assertThat(request("GET", "/metrics", "127.0.0.1").status()).isEqualTo(200);
    // with skipMTLS, any source address scrapes in plaintext
    assertThat(request("GET", "/metrics", "127.0.0.2").status()).isEqualTo(200);
  }

  @Test
  void filterRegexAndUsedOnlyReachTheAdminQuery() throws Exception {
    Map<String, Object> conf =
        Map.of(
            "port",
            metricsPort,
            "skipMTLS",
            true,
            "envoy",
            Map.of("filterRegex", "^server\\.(live|uptime)$", "usedOnly", true));
    startWithoutAdminPort(false, conf);
    publish(false, conf, envoy.adminPort());

    Answer metrics = awaitMetrics("127.0.0.1");

    List<String> series = metrics.body().lines().filter(l -> !l.startsWith("#")).toList();
    assertThat(series)
        .hasSize(2)
        .anySatisfy(l -> assertThat(l).startsWith("envoy_server_live"))
        .anySatisfy(l -> assertThat(l).startsWith("envoy_server_uptime"));
  }

  @Test
  void inAnMtlsMeshWithoutSkipMtlsOnlyTheDataplanesOwnAddressScrapesInPlaintext() throws Exception {
    Map<String, Object> conf = Map.of("port", metricsPort);
    startWithoutAdminPort(true, conf);
    publish(true, conf, envoy.adminPort());

    assertThat(awaitMetrics("127.0.0.1").body()).contains("envoy_server_live");
    // from another source address the listener expects a TLS client with a mesh certificate
    assertThat(plaintextFails("127.0.0.2")).isTrue();
    assertThat(envoy.isAlive()).isTrue();
  }

  private void startWithoutAdminPort(boolean mtls, Map<String, Object> conf) throws Exception {
    publish(mtls, conf, 0);
    envoy = EnvoyProcess.start(ads.bootstrap(tmp, NODE));
    envoy.awaitReady(ENVOY_START);
  }

  private void publish(boolean mtls, Map<String, Object> conf, int adminPort) throws Exception {
    Resource web = MetricsScenarios.web("127.0.0.1", inboundPort, outboundPort, adminPort, null);
    MeshState state =
        new MeshState(
            Fixtures.ZONE,
            MetricsScenarios.mesh(mtls, conf),
            List.of(web),
            List.of(),
            List.of(),
            List.of());
    Optional<Identity> identity =
        mtls ? Optional.of(TestCerts.identity(Fixtures.MESH, "web")) : Optional.empty();
    ads.set(NODE, SidecarGenerator.generate(state, web, identity));
  }

  private Answer awaitMetrics(String from) {
    return await("GET /metrics on 127.0.0.1:" + metricsPort)
        .atMost(APPLIED)
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(() -> request("GET", "/metrics", from), a -> a.status() == 200);
  }

  private record Answer(int status, String body) {}

  /** One HTTP/1.1 request, the path sent verbatim, from the local address {@code from}. */
  private Answer request(String method, String path, String from) throws IOException {
    try (Socket s = new Socket()) {
      try {
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), metricsPort), 2000);
      } catch (IOException e) {
        throw new ConnectFailed(from + " -> 127.0.0.1:" + metricsPort, e);
      }
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(
          (method
                  + " "
                  + path
                  + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                  + "Connection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String response = new String(readAll(s.getInputStream()), StandardCharsets.UTF_8);
      int headerEnd = response.indexOf("\r\n\r\n");
      if (!response.startsWith("HTTP/1.1 ") || headerEnd < 0) {
        throw new IOException("not an HTTP response: " + response);
      }
      int status = Integer.parseInt(response.substring(9, 12));
      String body = response.substring(headerEnd + 4);
      if (response.substring(0, headerEnd).toLowerCase().contains("transfer-encoding: chunked")) {
        body = dechunk(body);
      }
      return new Answer(status, body);
    }
  }

  /** Not even connected: a test of what the listener answers cannot pass on this. */
  private static final class ConnectFailed extends RuntimeException {
    ConnectFailed(String what, IOException cause) {
      super(what, cause);
    }
  }

  /** Connected from {@code from}, but no HTTP answer came back. */
  private boolean plaintextFails(String from) {
    try {
      request("GET", "/metrics", from);
      return false;
    } catch (IOException expected) {
      return true;
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    in.transferTo(buf);
    return buf.toByteArray();
  }

  private static String dechunk(String chunked) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < chunked.length()) {
      int eol = chunked.indexOf("\r\n", i);
      int size = Integer.parseInt(chunked.substring(i, eol).trim(), 16);
      if (size == 0) {
        break;
      }
      out.append(chunked, eol + 2, eol + 2 + size);
      i = eol + 2 + size + 2;
    }
    return out.toString();
  }
}

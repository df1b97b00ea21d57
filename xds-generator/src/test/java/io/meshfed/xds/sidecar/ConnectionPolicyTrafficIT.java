package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.dataplane;
import static io.meshfed.xds.sidecar.Fixtures.inbound;
import static io.meshfed.xds.sidecar.Fixtures.mesh;
import static io.meshfed.xds.sidecar.Fixtures.selectors;
import static io.meshfed.xds.sidecar.Fixtures.svc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.CircuitBreakerSpec;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.HealthCheckSpec;
import io.meshfed.model.spec.RetrySpec;
import io.meshfed.testing.EnvoyProcess;
import io.meshfed.testing.FreePorts;
import io.meshfed.xds.EnvoyJson;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.ProxyConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Connection policies do what they say in a real Envoy. The generated config of a sidecar {@code
 * web} (mTLS off, EDS made static) runs in Envoy; its outbound to {@code backend} has two
 * endpoints: a live echo server and a port nobody listens on. Without a policy, round robin sends
 * part of the connections to the dead port and they fail; each test shows its policy keeping them
 * off it (or capping connections), with a bounded number of connections.
 */
class ConnectionPolicyTrafficIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int CONNECTIONS = 30;

  private EchoServer live;
  private int deadPort;
  private int outboundPort;
  private int inboundPort;
  private EnvoyProcess envoy;

  @BeforeEach
  void ports() throws IOException {
    live = new EchoServer();
    List<Integer> ports = FreePorts.several(3);
    deadPort = ports.get(0);
    outboundPort = ports.get(1);
    inboundPort = ports.get(2);
  }

  @AfterEach
  void stop() throws IOException {
    if (envoy != null) {
      envoy.close();
    }
    live.close();
  }

  @Test
  void healthCheckKeepsConnectionsOffTheDeadEndpoint() throws Exception {
    start(
        StandardTypes.HEALTH_CHECK,
        new HealthCheckSpec(
            selectors(List.of(svc("web"))),
            selectors(List.of(svc("backend"))),
            new HealthCheckSpec.Conf(
                "200ms", "200ms", 1, 1, null, null, null, null, null, null, null, null, null, null,
                null)));

    await("the dead endpoint fails its active health check")
        .atMost(WAIT)
        .until(() -> hostFlags(deadPort).contains("failed_active_hc"));
    assertThat(hostFlags(live.port())).doesNotContain("failed_active_hc");

    assertThat(failures(CONNECTIONS)).isZero();
  }

  @Test
  void tcpRetryReconnectsToAnotherEndpoint() throws Exception {
    start(
        StandardTypes.RETRY,
        new RetrySpec(
            selectors(List.of(svc("web"))),
            selectors(List.of(svc("backend"))),
            new RetrySpec.Conf(null, new RetrySpec.Tcp(3), null)));

    assertThat(failures(CONNECTIONS)).isZero();
    assertThat(stat("cluster.backend.upstream_cx_connect_fail"))
        .as("some connections did try the dead endpoint first")
        .isPositive();
  }

  @Test
  void outlierDetectionEjectsTheDeadEndpointAfterTwoLocalErrors() throws Exception {
    start(
        StandardTypes.CIRCUIT_BREAKER,
        new CircuitBreakerSpec(
            selectors(List.of(svc("web"))),
            selectors(List.of(svc("backend"))),
            new CircuitBreakerSpec.Conf(
                "1s",
                "60s",
                50,
                null,
                new CircuitBreakerSpec.Detectors(
                    null, null, new CircuitBreakerSpec.Errors(2), null, null),
                null)));

    int failures = failures(CONNECTIONS);

    // Two consecutive errors eject the host; Envoy applies the ejection on its main thread, so a
    // connection or two may still reach the dead port meanwhile. Without the policy about half
    // of the connections fail.
    assertThat(failures).as("failed connections before the ejection").isBetween(2, 5);
    await("the dead endpoint is ejected")
        .atMost(WAIT)
        .until(() -> hostFlags(deadPort).contains("failed_outlier_check"));
    assertThat(failures(CONNECTIONS)).as("failed connections after the ejection").isZero();
  }

  @Test
  void circuitBreakerThresholdCapsUpstreamConnections() throws Exception {
    start(
        StandardTypes.CIRCUIT_BREAKER,
        new CircuitBreakerSpec(
            selectors(List.of(svc("web"))),
            selectors(List.of(svc("backend"))),
            new CircuitBreakerSpec.Conf(
                null,
                null,
                null,
                null,
                null,
                new CircuitBreakerSpec.Thresholds(1, null, null, null))),
        true);

    try (Socket first = connect()) {
      assertThat(echo(first)).isTrue();
      try (Socket second = connect()) {
        assertThat(echo(second)).as("a second connection over maxConnections: 1").isFalse();
      }
      assertThat(stat("cluster.backend.upstream_cx_overflow")).isPositive();
    }
  }

  // --- the sidecar under test ---

  private void start(String type, io.meshfed.model.Spec policy) throws Exception {
    start(type, policy, false);
  }

  private void start(String type, io.meshfed.model.Spec policy, boolean liveOnly) throws Exception {
    Resource web =
        dataplane(
            "web-1",
            "127.0.0.1",
            List.of(inbound(inboundPort, inboundPort, svc("web"))),
            List.of(DataplaneSpec.Outbound.of(outboundPort, "backend")));
    List<Resource> dataplanes = new ArrayList<>();
    dataplanes.add(web);
    dataplanes.add(
        dataplane(
            "backend-live",
            "127.0.0.1",
            List.of(inbound(live.port(), live.port(), svc("backend"))),
            List.of()));
    if (!liveOnly) {
      dataplanes.add(
          dataplane(
              "backend-dead",
              "127.0.0.1",
              List.of(inbound(deadPort, deadPort, svc("backend"))),
              List.of()));
    }
    MeshState state =
        new MeshState(
            Fixtures.ZONE,
            mesh(false),
            dataplanes,
            List.of(),
            List.of(),
            List.of(),
            Map.of(type, List.of(Fixtures.policy(type, "web-to-backend", null, policy))));
    ProxyConfig config = SidecarGenerator.generate(state, web, Optional.empty());
    envoy =
        EnvoyProcess.startJson(
                EnvoyJson.print(SidecarEnvoyValidationTest.validationBootstrap(config)))
            .awaitReady(WAIT);
  }

  /** Opens {@code count} connections one after the other; how many did not get their echo. */
  private int failures(int count) throws IOException {
    int failed = 0;
    for (int i = 0; i < count; i++) {
      try (Socket s = connect()) {
        if (!echo(s)) {
          failed++;
        }
      }
    }
    return failed;
  }

  private Socket connect() throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), outboundPort);
    s.setSoTimeout(5_000);
    return s;
  }

  /** Sends a line and reads it back: false when the connection closes or resets instead. */
  private static boolean echo(Socket s) {
    byte[] ping = "ping\n".getBytes(StandardCharsets.US_ASCII);
    try {
      s.getOutputStream().write(ping);
      s.getOutputStream().flush();
      byte[] back = s.getInputStream().readNBytes(ping.length);
      return back.length == ping.length;
    } catch (IOException closed) {
      return false;
    }
  }

  /**
   * The health flags Envoy's admin {@code /clusters} shows for the backend host on {@code port}.
   */
  private String hostFlags(int port) {
    String prefix = "backend::127.0.0.1:" + port + "::health_flags::";
    return envoy
        .adminGet("/clusters")
        .lines()
        .filter(l -> l.startsWith(prefix))
        .findFirst()
        .map(l -> l.substring(prefix.length()))
        .orElseThrow(() -> new AssertionError("no " + prefix + " in /clusters"));
  }

  private long stat(String name) {
    String line =
        envoy
            .adminGet("/stats?filter=^" + name.replace(".", "\\.") + "$")
            .lines()
            .filter(l -> l.startsWith(name + ": "))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no stat " + name));
    return Long.parseLong(line.substring(name.length() + 2).strip());
  }

  /** Echoes every byte back, one thread per connection, on a loopback port. */
  private static final class EchoServer implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final ExecutorService threads = Executors.newCachedThreadPool();

    EchoServer() throws IOException {
      threads.execute(this::accept);
    }

    int port() {
      return server.getLocalPort();
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          threads.execute(() -> echo(s));
        } catch (IOException closed) {
          return;
        }
      }
    }

    private static void echo(Socket s) {
      try (s;
          InputStream in = s.getInputStream();
          OutputStream out = s.getOutputStream()) {
        in.transferTo(out);
      } catch (IOException gone) {
        // the client or Envoy hung up
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      threads.shutdownNow();
    }
  }
}

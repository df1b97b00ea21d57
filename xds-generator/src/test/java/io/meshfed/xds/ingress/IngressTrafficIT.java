package io.meshfed.xds.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.model.Resource;
import io.meshfed.testing.EnvoyBinary;
import io.meshfed.testing.FreePorts;
import io.meshfed.xds.ProxyConfig;
import io.meshfed.xds.Sni;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Envoy runs the generated ingress config (EDS clusters made static) in front of two plain
 * TCP servers standing in for the sidecars of backend v1 and v2. A TLS client shows that the
 * ingress passes the ClientHello, still encrypted, to the endpoint its SNI names, and closes
 * connections whose SNI it does not know.
 */
class IngressTrafficIT {
  private static final String ZONE = "zone-1";

  @TempDir Path tmp;

  private final HttpClient http = HttpClient.newHttpClient();
  private TlsRecordServer v1;
  private TlsRecordServer v2;
  private Process envoy;
  private Path envoyLog;
  private int ingressPort;
  private int adminPort;

  @BeforeEach
  void startEnvoyInFrontOfTwoBackends() throws Exception {
    v1 = new TlsRecordServer();
    v2 = new TlsRecordServer();
    List<Integer> ports = FreePorts.several(2);
    ingressPort = ports.get(0);
    adminPort = ports.get(1);

    List<Resource> resources =
        Fixtures.yaml(
            """
            type: Mesh
            name: default
            ---
            type: Dataplane
            mesh: default
            name: backend-v1
            networking:
              address: 127.0.0.1
              inbound:
              - {port: %d, tags: {kuma.io/service: backend, version: v1, kuma.io/zone: zone-1}}
            ---
            type: Dataplane
            mesh: default
            name: backend-v2
            networking:
              address: 127.0.0.1
              inbound:
              - {port: %d, tags: {kuma.io/service: backend, version: v2, kuma.io/zone: zone-1}}
            ---
            type: TrafficRoute
            mesh: default
            name: backend-by-version
            sources: [{match: {kuma.io/service: '*'}}]
            destinations: [{match: {kuma.io/service: backend}}]
            conf:
              split:
              - {weight: 50, destination: {kuma.io/service: backend, version: v1}}
              - {weight: 50, destination: {kuma.io/service: backend, version: v2}}
            """
                .formatted(v1.port(), v2.port()));
    Resource ingress =
        Fixtures.one(
            """
            type: ZoneIngress
            name: zone-1-ingress
            zone: zone-1
            networking: {address: 127.0.0.1, port: %d}
            """
                .formatted(ingressPort));
    ProxyConfig config =
        IngressGenerator.generate(ingress, List.of(Fixtures.meshState(ZONE, "default", resources)));

    Path bootstrap = tmp.resolve("ingress.json");
    Files.writeString(bootstrap, StaticBootstrap.json(config, adminPort), StandardCharsets.UTF_8);
    envoyLog = tmp.resolve("envoy.log");
    envoy =
        new ProcessBuilder(
                EnvoyBinary.path().toString(),
                "-c",
                bootstrap.toString(),
                "--use-dynamic-base-id",
                "--concurrency",
                "1",
                "--log-level",
                "info")
            .redirectErrorStream(true)
            .redirectOutput(envoyLog.toFile())
            .start();
    await("envoy ready (log " + envoyLog + ")")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(() -> envoy.isAlive() && "LIVE".equals(admin("/ready").strip()));
  }

  @AfterEach
  void stop() throws Exception {
    if (envoy != null) {
      envoy.destroy();
      if (!envoy.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        envoy.destroyForcibly();
      }
    }
    if (v1 != null) {
      v1.close();
    }
    if (v2 != null) {
      v2.close();
    }
  }

  @Test
  void subsetSniReachesOnlyItsEndpointStillEncrypted() throws Exception {
    withEnvoyLogOnFailure(
        () -> {
          String v2Sni = Sni.of("default", "backend", Map.of("version", "v2"));
          String v1Sni = Sni.of("default", "backend", Map.of("version", "v1"));

          handshakeThroughIngress(v2Sni);
          byte[] record =
              await().atMost(Duration.ofSeconds(10)).until(v2.records::peek, r -> r != null);
          assertThat(record[0]).as("a TLS handshake record").isEqualTo((byte) 0x16);
          assertThat(new String(record, StandardCharsets.ISO_8859_1)).contains(v2Sni);
          assertThat(v1.connections.get()).isZero();

          handshakeThroughIngress(v1Sni);
          await().atMost(Duration.ofSeconds(10)).until(() -> v1.records.size() == 1);
          assertThat(new String(v1.records.peek(), StandardCharsets.ISO_8859_1)).contains(v1Sni);
          assertThat(v2.connections.get()).isEqualTo(1);
        });
  }

  @Test
  void unknownSniMatchesNoChainAndIsClosed() throws Exception {
    withEnvoyLogOnFailure(
        () -> {
          String unknown = Sni.of("default", "nobody");

          assertThat(handshakeThroughIngress(unknown))
              .as("the ingress closes a connection with an unknown SNI")
              .isNotNull();
          await().atMost(Duration.ofSeconds(10)).until(() -> counter("no_filter_chain_match") == 1);
          assertThat(v1.connections.get() + v2.connections.get()).isZero();
        });
  }

  /**
   * Opens TLS to the ingress with {@code sni} and returns how the handshake failed: it always does,
   * since nobody answers the ClientHello (the fake backends read it and hang up; the ingress closes
   * an unmatched connection). Where the bytes went is asserted on the backends.
   */
  private IOException handshakeThroughIngress(String sni) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {new TrustAll()}, new SecureRandom());
    try (SSLSocket socket =
        (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", ingressPort)) {
      socket.setSoTimeout(10_000);
      SSLParameters params = socket.getSSLParameters();
      params.setServerNames(List.of(new SNIHostName(sni)));
      socket.setSSLParameters(params);
      socket.startHandshake();
      return null;
    } catch (IOException e) {
      return e;
    }
  }

  private long counter(String suffix) throws Exception {
    for (String line : admin("/stats?filter=" + suffix).split("\n")) {
      if (line.startsWith("listener.127.0.0.1_" + ingressPort + "." + suffix + ":")) {
        return Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
      }
    }
    return -1;
  }

  private String admin(String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return r.body();
  }

  private void withEnvoyLogOnFailure(ThrowingRunnable body) throws Exception {
    try {
      body.run();
    } catch (Exception | AssertionError e) {
      System.err.println("---- envoy log " + envoyLog + "\n" + Files.readString(envoyLog));
      throw e;
    }
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  /** Trusts any server: the fake backends never answer the handshake anyway. */
  private static final class TrustAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  /**
   * A TCP server standing in for a sidecar's inbound: reads the first TLS record of each
   * connection, keeps it, and closes the connection.
   */
  private static final class TlsRecordServer implements AutoCloseable {
    final BlockingQueue<byte[]> records = new LinkedBlockingQueue<>();
    final AtomicInteger connections = new AtomicInteger();
    private final ServerSocket server;
    private final Thread acceptor;

    TlsRecordServer() throws IOException {
      server = new ServerSocket();
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      acceptor = new Thread(this::acceptLoop, "tls-record-server-" + server.getLocalPort());
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void acceptLoop() {
      while (!server.isClosed()) {
        try (Socket s = server.accept()) {
          connections.incrementAndGet();
          s.setSoTimeout(10_000);
          records.add(readRecord(s.getInputStream()));
        } catch (IOException e) {
          // closed server, or a peer that went away: nothing to record
        }
      }
    }

    private static byte[] readRecord(InputStream in) throws IOException {
      DataInputStream data = new DataInputStream(in);
      byte[] header = new byte[5];
      data.readFully(header);
      int length = ((header[3] & 0xff) << 8) | (header[4] & 0xff);
      byte[] record = new byte[5 + length];
      System.arraycopy(header, 0, record, 0, 5);
      data.readFully(record, 5, length);
      return record;
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}

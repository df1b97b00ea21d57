package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.cli.TrafficProbe;
import io.meshfed.cli.TrafficProbe.Distribution;
import io.meshfed.store.crypto.SealedFiles;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.MeshfedProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cross-zone traffic on real Envoys, every part a process: a global, two zones, a zone ingress per
 * zone ({@code meshfed dp run --proxy-type ingress}), a {@code backend} demo app with its sidecar
 * in each zone, and a client sidecar in zone-1 whose outbound listener the test sends requests
 * through, one TCP connection per request.
 *
 * <p>The story is Kuma's multi-zone demo: without mTLS only the local backend is reachable; with
 * mTLS and no permission nothing is; with a permission both zones answer, zone-2 only through its
 * ingress; a route sends everything to zone-2, then splits 50/50; a zone whose backend is scaled to
 * zero stops getting traffic while the other keeps serving.
 *
 * <p>The 50/50 bound: with n = 200 requests and a fair coin, zone-2's count has mean 100 and
 * standard deviation 7.07; the test accepts 68..132 (±4.5 σ, a fair coin falls outside about once
 * in 150 000 runs).
 */
class CrossZoneTrafficIT {
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final int SPLIT_REQUESTS = 200;
  private static final int SPLIT_MIN = 68;
  private static final int SPLIT_MAX = 132;

  @TempDir Path dir;
  private Federation f;
  @RegisterExtension final LogsOnFailure logs = new LogsOnFailure(() -> f);
  private final List<MeshfedProcess> proxies = new ArrayList<>();
  private final List<MeshfedProcess> apps = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (MeshfedProcess p : proxies) {
      stopLauncher(p);
    }
    for (MeshfedProcess p : apps) {
      p.close();
    }
    if (f != null) {
      f.close();
    }
  }

  /** SIGTERM, so the launcher stops its Envoy and deregisters; no Envoy may outlive it. */
  private static void stopLauncher(MeshfedProcess p) throws InterruptedException {
    List<ProcessHandle> children =
        ProcessHandle.of(p.pid()).map(h -> h.descendants().toList()).orElse(List.of());
    p.close();
    for (ProcessHandle child : children) {
      child.destroyForcibly();
    }
  }

  private static final String MESH_MTLS_OFF =
      """
      type: Mesh
      name: default
      mtls:
        backends:
        - name: ca-1
          type: builtin
      """;

  private static final String MESH_MTLS_ON =
      """
      type: Mesh
      name: default
      mtls:
        enabledBackend: ca-1
        backends:
        - name: ca-1
          type: builtin
          dpCert:
            rotation:
              expiration: 30s
      """;

  private static final String ALLOW_ALL =
      """
      type: TrafficPermission
      name: allow-all
      mesh: default
      sources:
      - match:
          kuma.io/service: '*'
      destinations:
      - match:
          kuma.io/service: '*'
      """;

  /** The client Envoy's {@code no_cluster} counters, summed (a route named a missing cluster). */
  private long noClusterCount(int admin) throws Exception {
    long sum = 0;
    for (String line :
        f.getRaw("http://127.0.0.1:" + admin, "/stats?filter=no_cluster").body().split("\n")) {
      int colon = line.lastIndexOf(": ");
      if (line.contains(".no_cluster") && colon > 0) {
        sum += Long.parseLong(line.substring(colon + 2).trim());
      }
    }
    return sum;
  }

  private static String route(int zone1Weight, int zone2Weight) {
    return """
        type: TrafficRoute
        name: backend-route
        mesh: default
        sources:
        - match:
            kuma.io/service: '*'
        destinations:
        - match:
            kuma.io/service: backend
        conf:
          split:
          - weight: %d
            destination:
              kuma.io/service: backend
              kuma.io/zone: zone-1
          - weight: %d
            destination:
              kuma.io/service: backend
              kuma.io/zone: zone-2
        """
        .formatted(zone1Weight, zone2Weight);
  }

  private MeshfedProcess launch(String name, Federation.Node zone, String yaml, boolean ingress) {
    MeshfedProcess p = f.dpRun(zone, name, yaml, ingress);
    proxies.add(p);
    return p;
  }

  private void backendApp(String zone, int port) {
    apps.add(
        MeshfedProcess.start(
            dir.resolve("app-" + zone + ".log"),
            "demo-app",
            "--port",
            String.valueOf(port),
            "--service",
            "backend",
            "--zone",
            zone,
            "--instance",
            "1"));
  }

  private static String sidecar(String name, String service, int port, int servicePort) {
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
        """
        .formatted(name, port, servicePort, service);
  }

  private static String ingress(String name, int port, int adminPort) {
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
        .formatted(name, port, port, adminPort);
  }

  private boolean online(Federation.Node zone, String path) {
    JsonNode n = f.get(zone.api, path);
    return n != null && n.path("online").asBoolean(false);
  }

  @Test
  void crossZoneTrafficFollowsMtlsPermissionsAndRoutes() throws Exception {
    f = new Federation(dir).startGlobal();
    List<Federation.Node> pair = f.startZones("zone-1", "zone-2");
    Federation.Node zone1 = pair.get(0);
    Federation.Node zone2 = pair.get(1);
    f.apply(f.global.api, "/meshes/default", MESH_MTLS_OFF);
    await()
        .atMost(CONVERGE)
        .until(
            () ->
                f.get(zone1.api, "/meshes/default") != null
                    && f.get(zone2.api, "/meshes/default") != null);

    int ingress1 = FreePorts.one();
    int ingress2 = FreePorts.one();
    int ingress2Admin = FreePorts.one();
    launch("ingress-1", zone1, ingress("ingress-1", ingress1, FreePorts.one()), true);
    launch("ingress-2", zone2, ingress("ingress-2", ingress2, ingress2Admin), true);
    int app1 = FreePorts.one();
    int app2 = FreePorts.one();
    backendApp("zone-1", app1);
    backendApp("zone-2", app2);
    int backend1Inbound = FreePorts.one();
    int backend2Inbound = FreePorts.one();
    launch("backend-1", zone1, sidecar("backend-1", "backend", backend1Inbound, app1), false);
    MeshfedProcess backend2 =
        launch("backend-2", zone2, sidecar("backend-2", "backend", backend2Inbound, app2), false);
    int clientOutbound = FreePorts.one();
    int clientAdmin = FreePorts.one();
    launch(
        "client",
        zone1,
        sidecar("client", "client", FreePorts.one(), FreePorts.one())
            + """
              outbound:
              - port: %d
                tags:
                  kuma.io/service: backend
              admin:
                port: %d
            """
                .formatted(clientOutbound, clientAdmin),
        false);
    await()
        .atMost(CONVERGE)
        .until(
            () ->
                online(zone1, "/zoneingresses+insights/ingress-1")
                    && online(zone2, "/zoneingresses+insights/ingress-2")
                    && online(zone1, "/meshes/default/dataplanes+insights/backend-1")
                    && online(zone2, "/meshes/default/dataplanes+insights/backend-2")
                    && online(zone1, "/meshes/default/dataplanes+insights/client"));
    // zone-2's ingress advertises backend, and zone-1 knows it
    await()
        .atMost(CONVERGE)
        .until(
            () -> {
              JsonNode copy = f.get(zone1.api, "/zone-ingresses/zone-2.ingress-2");
              return copy != null && copy.path("availableServices").toString().contains("backend");
            });
    TrafficProbe probe = new TrafficProbe("127.0.0.1", clientOutbound, Duration.ofSeconds(3));

    // 1. mTLS off: cross-zone needs mTLS, so only zone-1's backend answers
    await().atMost(CONVERGE).until(() -> probe.send(5).answered("zone-1") == 5);
    Distribution plain = probe.send(40);
    assertThat(plain.answered("zone-1")).as("mTLS off: %s", plain).isEqualTo(40);

    // 2. mTLS on, no TrafficPermission (the mesh's default allow-all deleted, as a Kuma user
    // would): every connection is refused by the backends' RBAC
    assertThat(
            f.delete(f.global.api, "/meshes/default/traffic-permissions/allow-all-default")
                .statusCode())
        .isEqualTo(200);
    f.apply(f.global.api, "/meshes/default", MESH_MTLS_ON);
    await().atMost(CONVERGE).until(() -> probe.send(5).allFailed());
    Distribution denied = probe.send(40);
    assertThat(denied.failed()).as("mTLS on, no permission: %s", denied).isEqualTo(40);
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(
                        f.get(zone1.api, "/meshes/default/dataplanes+insights/client")
                            .path("dataplaneInsight")
                            .path("mTLS")
                            .path("certificateExpirationTime")
                            .asText())
                    .as("the client's certificate expiry in its DataplaneInsight")
                    .isNotEmpty());

    // 3. a permission: both zones answer, zone-2 through its ingress
    f.apply(f.global.api, "/meshes/default/traffic-permissions/allow-all", ALLOW_ALL);
    await()
        .atMost(CONVERGE)
        .until(
            () -> {
              Distribution d = probe.send(20);
              return d.failed() == 0 && d.answered("zone-2") > 0 && d.answered("zone-1") > 0;
            });
    long ingressBytesBefore = ingressBytesFromBackends(ingress2Admin);
    Distribution both = probe.send(40);
    assertThat(both.failed()).as("permitted: %s", both).isZero();
    assertThat(both.answered("zone-2")).as("permitted: %s", both).isPositive();
    // zone-1's client knows zone-2's backend only as zone-2's ingress address ...
    String clusters = f.getRaw("http://127.0.0.1:" + clientAdmin, "/clusters").body();
    assertThat(clusters)
        .contains("::127.0.0.1:" + ingress2 + "::")
        .doesNotContain("::127.0.0.1:" + backend2Inbound + "::");
    // ... and zone-2's answers flowed through that ingress (the client keeps HTTP connections
    // open, so count bytes, not connections; Envoy's admin counters lag by its stats flush)
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(ingressBytesFromBackends(ingress2Admin) - ingressBytesBefore)
                    .as("bytes zone-2's ingress relayed from its backends")
                    .isGreaterThanOrEqualTo(100L * both.answered("zone-2")));

    // certificates live 30 s here and are rotated at 4/5 of that: one connection kept open across
    // a rotation of the client's and the backends' certificates keeps working
    try (KeepAlive conn = new KeepAlive("127.0.0.1", clientOutbound)) {
      long start = System.nanoTime();
      int served = 0;
      while (regenerations(zone1, "client") < 1 || regenerations(zone1, "backend-1") < 1) {
        assertThat(conn.get()).as("request %d on one connection", served).contains("\"zone\"");
        served++;
        assertThat(System.nanoTime() - start)
            .as("certificates rotated within 60 s")
            .isLessThan(Duration.ofSeconds(60).toNanos());
        Thread.sleep(250); // pacing the requests on the kept connection, not waiting for a state
      }
      for (int i = 0; i < 5; i++) {
        assertThat(conn.get()).as("request after the rotation").contains("\"zone\"");
      }
    }

    // 4. route everything to zone-2. The route's clusters replace `backend`: the zone keeps the old
    // cluster until the route has moved (no request answered 503 no_cluster while it switches)
    long noClusterBefore = noClusterCount(clientAdmin);
    f.apply(f.global.api, "/meshes/default/traffic-routes/backend-route", route(0, 100));
    await().atMost(CONVERGE).until(() -> probe.send(10).answered("zone-2") == 10);
    Distribution toZone2 = probe.send(50);
    assertThat(toZone2.answered("zone-2")).as("route to zone-2: %s", toZone2).isEqualTo(50);

    // 5. split 50/50
    f.apply(f.global.api, "/meshes/default/traffic-routes/backend-route", route(50, 50));
    await()
        .atMost(CONVERGE)
        .until(
            () -> {
              Distribution d = probe.send(20);
              return d.failed() == 0 && d.answered("zone-1") > 0;
            });
    Distribution split = probe.send(SPLIT_REQUESTS);
    assertThat(split.failed()).as("50/50: %s", split).isZero();
    assertThat(split.answered("zone-2")).as("50/50: %s", split).isBetween(SPLIT_MIN, SPLIT_MAX);
    assertThat(noClusterCount(clientAdmin) - noClusterBefore)
        .as("requests the client's Envoy answered 503 no_cluster while the routes switched")
        .isZero();

    // 6. zone-2's backend scaled to zero (its sidecar deregisters): zone-1 keeps serving alone
    assertThat(f.delete(f.global.api, "/meshes/default/traffic-routes/backend-route").statusCode())
        .isEqualTo(200);
    stopLauncher(backend2);
    await()
        .atMost(CONVERGE)
        .until(
            () -> {
              JsonNode copy = f.get(zone1.api, "/zone-ingresses/zone-2.ingress-2");
              return copy != null && !copy.path("availableServices").toString().contains("backend");
            });
    await().atMost(CONVERGE).until(() -> probe.send(10).answered("zone-1") == 10);
    Distribution scaledDown = probe.send(40);
    assertThat(scaledDown.answered("zone-1"))
        .as("zone-2 scaled to zero: %s", scaledDown)
        .isEqualTo(40);

    // 7. the zones signed intermediate CAs for all this: no file of global's or a zone's data
    // directory (embedded store, CA files, key files) holds a private key in plain PEM
    Path zone1Key = dir.resolve("zone-1-data/ca/default/ca-1/key.pem");
    assertThat(zone1Key).exists();
    assertThat(Files.readString(zone1Key)).startsWith(SealedFiles.MAGIC);
    for (Path data :
        List.of(f.globalDataDir(), dir.resolve("zone-1-data"), dir.resolve("zone-2-data"))) {
      try (Stream<Path> files = Files.walk(data)) {
        assertThat(files.filter(Files::isRegularFile).filter(CrossZoneTrafficIT::holdsPemKey))
            .as("files under %s with a PEM private key", data)
            .isEmpty();
      }
    }
  }

  private static boolean holdsPemKey(Path file) {
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)
          .contains("PRIVATE KEY");
    } catch (NoSuchFileException gone) {
      return false; // a temporary file of a running process, replaced meanwhile
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private long regenerations(Federation.Node zone, String dataplane) {
    JsonNode n = f.get(zone.api, "/meshes/default/dataplanes+insights/" + dataplane);
    return n.path("dataplaneInsight").path("mTLS").path("certificateRegenerations").asLong(0);
  }

  /** An HTTP/1.1 connection kept open: one request after another on the same socket. */
  private static final class KeepAlive implements AutoCloseable {
    private final java.net.Socket socket;
    private final java.io.BufferedInputStream in;

    KeepAlive(String host, int port) throws java.io.IOException {
      socket = new java.net.Socket(host, port);
      socket.setSoTimeout(5000);
      in = new java.io.BufferedInputStream(socket.getInputStream());
    }

    /** One GET; the body. Fails when the connection was closed or the status is not 200. */
    String get() throws java.io.IOException {
      socket
          .getOutputStream()
          .write(
              "GET /keepalive HTTP/1.1\r\nHost: backend\r\n\r\n"
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String status = line();
      int length = -1;
      for (String h = line(); !h.isEmpty(); h = line()) {
        if (h.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
          length = Integer.parseInt(h.substring(15).trim());
        }
      }
      assertThat(status).startsWith("HTTP/1.1 200");
      assertThat(length).as("Content-Length").isNotNegative();
      byte[] body = in.readNBytes(length);
      return new String(body, java.nio.charset.StandardCharsets.UTF_8);
    }

    private String line() throws java.io.IOException {
      StringBuilder b = new StringBuilder();
      int c;
      while ((c = in.read()) != -1 && c != '\n') {
        if (c != '\r') {
          b.append((char) c);
        }
      }
      if (c == -1) {
        throw new java.io.EOFException("the connection was closed");
      }
      return b.toString();
    }

    @Override
    public void close() throws java.io.IOException {
      socket.close();
    }
  }

  /**
   * Bytes an ingress Envoy received from local services over its SNI clusters (named after their
   * SNI, ending in {@code .meshfed}), from its admin stats.
   */
  private long ingressBytesFromBackends(int adminPort) {
    var r = f.getRaw("http://127.0.0.1:" + adminPort, "/stats");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    long sum = 0;
    boolean seen = false;
    for (String line : r.body().split("\n")) {
      if (line.startsWith("cluster.") && line.contains(".meshfed.upstream_cx_rx_bytes_total:")) {
        sum += Long.parseLong(line.substring(line.lastIndexOf(':') + 1).trim());
        seen = true;
      }
    }
    assertThat(seen).as("SNI clusters in the ingress stats:\n%s", r.body()).isTrue();
    return sum;
  }
}

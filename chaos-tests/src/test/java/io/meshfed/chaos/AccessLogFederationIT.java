package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.testing.FreePorts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Access logs of cross-zone traffic, every part a process: a global, two zones, a zone ingress in
 * zone-2 with a {@code backend} demo app behind its sidecar, and two clients in zone-1, {@code web}
 * and {@code frontend}, each run by {@code meshfed dp run}, in an mTLS mesh with two logging
 * backends: {@code file-1} (a file, the default) and {@code tcp-1} (a TCP listener this test runs).
 * TrafficLog {@code all} (no backend: the default) applies to every connection, the more specific
 * {@code web-to-backend} sends web's to {@code tcp-1}. Both formats hold the zone placeholders.
 * Every request has its own path; each one is found, with services and zones, in the file (from
 * frontend) or in the TCP lines (from web, through web's {@code dp run} FIFO forwarder). A TCP
 * outbound (frontend to {@code backend-tcp}, a second, untagged inbound of the same backend) is
 * logged to the file with the zones too.
 */
class AccessLogFederationIT {
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final int REQUESTS = 20;
  private static final String FORMAT =
      "%KUMA_SOURCE_SERVICE%@%KUMA_SOURCE_ZONE% -> %KUMA_DESTINATION_SERVICE%@%KUMA_DESTINATION_ZONE%"
          + " %REQ(:PATH)% %RESPONSE_CODE% %KUMA_MESH%";

  @TempDir Path dir;
  private Federation f;
  @RegisterExtension final LogsOnFailure logs = new LogsOnFailure(() -> f);
  private final Proxies processes = new Proxies();
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private ServerSocket tcpBackend;
  private final List<String> tcpLines = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws Exception {
    processes.close();
    if (f != null) {
      f.close();
    }
    if (tcpBackend != null) {
      tcpBackend.close();
    }
  }

  @Test
  void eachCrossZoneRequestIsLoggedWithServicesAndZonesToTheFileAndTheTcpBackend()
      throws Exception {
    startTcpBackend();
    Path accessLog = dir.resolve("access.log");
    f = new Federation(dir).startGlobal();
    List<Federation.Node> zones = f.startZones("zone-1", "zone-2");
    Federation.Node zone1 = zones.get(0);
    Federation.Node zone2 = zones.get(1);
    f.apply(
        f.global.api,
        "/meshes/default",
        MeshYaml.meshMtlsOn(
            """
        logging:
          defaultBackend: file-1
          backends:
          - name: file-1
            type: file
            format: 'file %s'
            conf:
              path: %s
          - name: tcp-1
            type: tcp
            format: 'tcp %s'
            conf:
              address: 127.0.0.1:%d
        """
                .formatted(FORMAT, accessLog, FORMAT, tcpBackend.getLocalPort())));
    f.apply(f.global.api, "/meshes/default/traffic-logs/all", trafficLog("all", "*", "*", null));
    f.apply(
        f.global.api,
        "/meshes/default/traffic-logs/web-to-backend",
        trafficLog("web-to-backend", "web", "backend", "tcp-1"));
    for (Federation.Node zone : List.of(zone1, zone2)) {
      await()
          .atMost(CONVERGE)
          .until(() -> f.get(zone.api, "/meshes/default/traffic-logs/web-to-backend") != null);
    }

    int ingress = FreePorts.one();
    processes.ingress(f, zone2, "ingress-2", ingress, FreePorts.one());
    backend(zone2);
    int webOut = client(zone1, "web", FreePorts.one());
    int frontendTcpOut = FreePorts.one();
    int frontendOut = client(zone1, "frontend", frontendTcpOut);

    await("web and frontend reach backend in zone-2")
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(
            () ->
                get(webOut, "/warm-up").contains("zone-2")
                    && get(frontendOut, "/warm-up").contains("zone-2"));

    String run = UUID.randomUUID().toString().substring(0, 8);
    List<String> webPaths = new ArrayList<>();
    List<String> frontendPaths = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      String w = "/web-" + run + "-" + i;
      String fr = "/frontend-" + run + "-" + i;
      assertThat(get(webOut, w)).contains("\"zone\":\"zone-2\"");
      assertThat(get(frontendOut, fr)).contains("\"zone\":\"zone-2\"");
      webPaths.add(w);
      frontendPaths.add(fr);
    }

    await("every request from web in the TCP backend's lines")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              for (String path : webPaths) {
                assertThat(tcpLines)
                    .contains("tcp web@zone-1 -> backend@zone-2 " + path + " 200 default");
              }
            });
    await("every request from frontend in the access log file")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              List<String> lines =
                  Files.exists(accessLog) ? Files.readAllLines(accessLog) : List.of();
              for (String path : frontendPaths) {
                assertThat(lines)
                    .contains("file frontend@zone-1 -> backend@zone-2 " + path + " 200 default");
              }
            });
    // a TCP outbound: frontend to backend-tcp, one connection, logged when it closes
    String tcpAnswer =
        await("frontend reaches backend-tcp in zone-2 over TCP")
            .atMost(CONVERGE)
            .pollInterval(Duration.ofMillis(500))
            .ignoreExceptions()
            .until(() -> http10(frontendTcpOut, "/tcp-" + run), a -> a.contains("zone-2"));
    assertThat(tcpAnswer).contains("\"service\":\"backend\"");
    await("the TCP connection in the access log file")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () ->
                assertThat(Files.readAllLines(accessLog))
                    .anyMatch(l -> l.startsWith("file frontend@zone-1 -> backend-tcp@zone-2 ")));
    // each client's requests went to its own backend only
    assertThat(tcpLines).noneMatch(l -> l.contains("/frontend-" + run));
    assertThat(Files.readAllLines(accessLog)).noneMatch(l -> l.contains("/web-" + run));
    System.out.printf(
        "AccessLogFederationIT: %d requests from web in %d TCP lines, %d from frontend in the"
            + " file%n",
        REQUESTS, tcpLines.size(), REQUESTS);
  }

  /** An HTTP/1.0 request on its own TCP connection, read until the server closes it. */
  private static String http10(int port, String path) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.0\r\nHost: backend-tcp\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private void startTcpBackend() throws IOException {
    tcpBackend = new ServerSocket();
    tcpBackend.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread accept =
        new Thread(
            () -> {
              while (!tcpBackend.isClosed()) {
                try {
                  Socket s = tcpBackend.accept();
                  Thread t = new Thread(() -> readLines(s), "tcp-log-backend-conn");
                  t.setDaemon(true);
                  t.start();
                } catch (IOException closed) {
                  return;
                }
              }
            },
            "tcp-log-backend");
    accept.setDaemon(true);
    accept.start();
  }

  private void readLines(Socket s) {
    try (s;
        BufferedReader in =
            new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        tcpLines.add(line);
      }
    } catch (IOException closed) {
      // the test is over
    }
  }

  private static String trafficLog(String name, String source, String destination, String backend) {
    return """
        type: TrafficLog
        name: %s
        mesh: default
        sources:
        - match:
            kuma.io/service: '%s'
        destinations:
        - match:
            kuma.io/service: '%s'
        %s
        """
        .formatted(
            name, source, destination, backend == null ? "" : "conf: {backend: " + backend + "}");
  }

  /** The body of a 200 answer, else the status and body (which no assertion here accepts). */
  private String get(int port, String path) throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 ? r.body() : "HTTP " + r.statusCode() + ": " + r.body();
  }

  /** The backend demo app in zone-2 and its sidecar, inbound tagged http. */
  private void backend(Federation.Node zone) {
    int app = FreePorts.one();
    processes.demoApp(dir.resolve("backend-app.log"), app, "backend", "zone-2");
    processes.sidecar(
        f,
        zone,
        MeshYaml.sidecar("backend-1")
            .inboundHttp(FreePorts.one(), app, "backend")
            .inbound(FreePorts.one(), app, "backend-tcp"));
  }

  /**
   * A client sidecar for {@code service} in zone-1 with an outbound to backend (its port) and one
   * to backend-tcp at {@code tcpOut}.
   */
  private int client(Federation.Node zone, String service, int tcpOut) {
    int out = FreePorts.one();
    processes.sidecar(
        f,
        zone,
        MeshYaml.sidecar(service + "-1")
            .inboundHttp(FreePorts.one(), FreePorts.one(), service)
            .outbound(out, "backend")
            .outbound(tcpOut, "backend-tcp"));
    return out;
  }
}

package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.testing.FreePorts;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TrafficPermission deleted on global reaches an HTTP connection that stays open. Every part is a
 * process: a global, a zone, a {@code backend} demo app behind its sidecar (inbound tagged {@code
 * kuma.io/protocol: http}), and a {@code web} sidecar whose outbound listener the test keeps one
 * HTTP/1.1 connection to, in an mTLS mesh. 200 while the permission exists; after {@code DELETE} on
 * global's API (then KDS to the zone, xDS to the sidecar) the next requests on the same connection
 * get 403 (backend's sidecar accepted no new connection meanwhile); 200 again once the permission
 * is applied again. Prints the time from the DELETE's answer to the first 403.
 */
class HttpPermissionFederationIT {
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final Duration APPLIED = Duration.ofSeconds(20);
  private static final String WEB_TO_BACKEND =
      MeshYaml.trafficPermission("web-to-backend", "web", "backend");
  private static final String PERMISSION_PATH =
      "/meshes/default/traffic-permissions/web-to-backend";

  @TempDir Path dir;
  private Federation f;
  @RegisterExtension final LogsOnFailure logs = new LogsOnFailure(() -> f);
  private final Proxies processes = new Proxies();

  @AfterEach
  void stop() throws Exception {
    processes.close();
    if (f != null) {
      f.close();
    }
  }

  @Test
  void deletingAPermissionOnGlobalDeniesTheNextRequestOnAnOpenConnection() throws Exception {
    f = new Federation(dir).startGlobal();
    Federation.Node zone = f.startZone("zone-1");
    f.apply(f.global.api, "/meshes/default", Federation.MESH_MTLS_ON_WITHOUT_DEFAULTS);
    f.apply(f.global.api, PERMISSION_PATH, WEB_TO_BACKEND);
    await().atMost(CONVERGE).until(() -> f.get(zone.api, PERMISSION_PATH) != null);

    int app = FreePorts.one();
    processes.demoApp(dir.resolve("app.log"), app, "backend", "zone-1");
    int backendInbound = FreePorts.one();
    int backendAdmin = FreePorts.one();
    processes.sidecar(
        f,
        zone,
        MeshYaml.sidecar("backend-1")
            .inboundHttp(backendInbound, app, "backend")
            .admin(backendAdmin));
    int webOutbound = FreePorts.one();
    processes.sidecar(
        f,
        zone,
        MeshYaml.sidecar("web-1")
            .inbound(FreePorts.one(), FreePorts.one(), "web")
            .outbound(webOutbound, "backend"));

    await("web reaches backend")
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(
            () -> {
              try (KeepAlive c = new KeepAlive(webOutbound)) {
                return c.get().status() == 200;
              }
            });

    try (KeepAlive conn = new KeepAlive(webOutbound)) {
      Answer first = conn.get();
      assertThat(first.status()).isEqualTo(200);
      assertThat(first.body()).contains("\"zone\"");
      String accepted = "listener.127.0.0.1_" + backendInbound + ".downstream_cx_total";
      long acceptedBefore = stat(backendAdmin, accepted);

      assertThat(f.delete(f.global.api, PERMISSION_PATH).statusCode()).isEqualTo(200);
      long deleted = System.nanoTime();
      AtomicReference<Answer> last = new AtomicReference<>();
      await("403 on the open connection after the DELETE on global")
          .atMost(APPLIED)
          .pollInterval(Duration.ofMillis(20))
          .until(
              () -> {
                last.set(conn.get());
                return last.get().status() != 200;
              });
      System.out.printf(
          "HttpPermissionFederationIT: DELETE on global -> 403 on the open connection in %d ms%n",
          (System.nanoTime() - deleted) / 1_000_000);
      assertThat(last.get()).isEqualTo(new Answer(403, "RBAC: access denied"));
      assertThat(stat(backendAdmin, accepted))
          .as("backend's sidecar accepted no new connection: the 403 came on the kept one")
          .isEqualTo(acceptedBefore);

      f.apply(f.global.api, PERMISSION_PATH, WEB_TO_BACKEND);
      await("200 again on the same connection once the permission is back")
          .atMost(APPLIED)
          .pollInterval(Duration.ofMillis(20))
          .until(() -> conn.get().status() == 200);
    }
  }

  private long stat(int adminPort, String name) {
    String body = f.getRaw("http://127.0.0.1:" + adminPort, "/stats?filter=" + name).body();
    for (String line : body.split("\n")) {
      if (line.startsWith(name + ":")) {
        return Long.parseLong(line.substring(name.length() + 1).strip());
      }
    }
    throw new AssertionError("no stat " + name + " in " + body);
  }

  record Answer(int status, String body) {}

  /** An HTTP/1.1 connection kept open: one request after another on the same socket. */
  private static final class KeepAlive implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;

    KeepAlive(int port) throws IOException {
      socket = new Socket(InetAddress.getLoopbackAddress(), port);
      socket.setSoTimeout(5_000);
      in = new BufferedInputStream(socket.getInputStream());
    }

    /** One GET; fails when the connection is closed or announced to close. */
    Answer get() throws IOException {
      socket
          .getOutputStream()
          .write("GET / HTTP/1.1\r\nHost: backend\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String status = line();
      int length = -1;
      for (String h = line(); !h.isEmpty(); h = line()) {
        String lower = h.toLowerCase(Locale.ROOT);
        if (lower.startsWith("content-length:")) {
          length = Integer.parseInt(h.substring(15).strip());
        }
        if (lower.startsWith("connection:") && lower.contains("close")) {
          throw new AssertionError("the kept connection is being closed: " + h);
        }
      }
      if (length < 0) {
        throw new AssertionError("no Content-Length in the answer " + status);
      }
      String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
      return new Answer(Integer.parseInt(status.split(" ")[1]), body);
    }

    private String line() throws IOException {
      StringBuilder b = new StringBuilder();
      int c;
      while ((c = in.read()) != -1 && c != '\n') {
        if (c != '\r') {
          b.append((char) c);
        }
      }
      if (c == -1) {
        throw new EOFException("the connection was closed");
      }
      return b.toString();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}

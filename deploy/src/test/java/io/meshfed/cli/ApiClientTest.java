package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link ApiClient} against a real HTTP server on loopback (the JDK's own). */
class ApiClientTest {
  private HttpServer server;
  private final Map<String, String> seen = new ConcurrentHashMap<>();
  private String api;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/meshes/default", this::mesh);
    server.createContext("/meshes", this::page);
    server.start();
    api = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private void mesh(HttpExchange x) throws IOException {
    seen.put("method", x.getRequestMethod());
    seen.put("auth", String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
    seen.put("if-match", String.valueOf(x.getRequestHeaders().getFirst("If-Match")));
    seen.put("type", String.valueOf(x.getRequestHeaders().getFirst("Content-Type")));
    seen.put("body", new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    switch (x.getRequestMethod()) {
      case "GET" -> {
        x.getResponseHeaders().add("ETag", "\"7\"");
        respond(x, 200, "{\"type\":\"Mesh\",\"name\":\"default\"}");
      }
      case "PUT" -> {
        x.getResponseHeaders().add("Warning", "299 - \"first \\\"one\\\"\"");
        x.getResponseHeaders().add("Warning", "299 - \"second\"");
        respond(x, 409, "{\"title\":\"Conflict\",\"details\":\"version 7 is not 6\"}");
      }
      default -> respond(x, 204, "");
    }
  }

  /** Two pages: the first links to the second. */
  private void page(HttpExchange x) throws IOException {
    String query = String.valueOf(x.getRequestURI().getRawQuery());
    respond(
        x,
        200,
        query.contains("offset=1")
            ? "{\"items\":[{\"name\":\"b\"}],\"next\":null}"
            : "{\"items\":[{\"name\":\"a\"}],\"next\":\"http://elsewhere/meshes?size=1&offset=1\"}");
  }

  private static void respond(HttpExchange x, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      x.getResponseBody().write(bytes);
    }
    x.close();
  }

  @Test
  void getSendsTheTokenAndReadsBodyAndETag() {
    ApiClient.Reply r = new ApiClient(api, "t0ken").get("/meshes/default");
    assertThat(r.ok()).isTrue();
    assertThat(r.body().path("name").asText()).isEqualTo("default");
    assertThat(r.etag()).isEqualTo("\"7\"");
    assertThat(seen).containsEntry("method", "GET").containsEntry("auth", "Bearer t0ken");
  }

  @Test
  void anErrorReplyKeepsItsBodyAndWarnings() {
    ApiClient.Reply r =
        new ApiClient(api, null).putIfMatch("/meshes/default", "{\"name\":\"d\u00e9\"}", "\"6\"");
    assertThat(r.status()).isEqualTo(409);
    assertThat(ApiClient.describeError(r)).isEqualTo("Conflict: version 7 is not 6");
    assertThat(r.warnings()).containsExactly("first \"one\"", "second");
    assertThat(seen)
        .containsEntry("method", "PUT")
        .containsEntry("if-match", "\"6\"")
        .containsEntry("type", "application/json")
        .containsEntry("body", "{\"name\":\"d\u00e9\"}")
        .containsEntry("auth", "null");
  }

  @Test
  void anEmptyReplyHasNoBody() {
    ApiClient.Reply r = new ApiClient(api, null).delete("/meshes/default");
    assertThat(r.status()).isEqualTo(204);
    assertThat(r.body()).isNull();
    assertThat(seen).containsEntry("method", "DELETE");
  }

  @Test
  void listAllFollowsNextLinksOnTheSameApi() {
    assertThat(new ApiClient(api, null).listAll("/meshes"))
        .extracting(n -> n.path("name").asText())
        .isEqualTo(List.of("a", "b"));
  }

  @Test
  void aClosedPortIsExplained() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    assertThatThrownBy(() -> new ApiClient("http://127.0.0.1:" + closed, null).get("/"))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("cannot reach the control plane API at http://127.0.0.1:" + closed)
        .hasMessageContaining("connection refused");
  }

  @Test
  void anApiThatIsNotHttpIsRefused() {
    assertThatThrownBy(() -> new ApiClient("ftp://127.0.0.1:5681", null))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("is not an http(s) URL");
  }
}

package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.meshfed.testing.RawHttp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the HTTP layer answers by itself: every error is the API's JSON error shape (also those the
 * server produces before any route runs), bodies must be JSON or YAML, the Host header must name
 * this server, and links never come from the Host header.
 */
class TransportIT {
  private final ApiHarness api = new ApiHarness(b -> b.allowedHosts(List.of("cp.example.org")));

  @AfterEach
  void close() {
    api.close();
  }

  private RawHttp.Response raw(String request) {
    return RawHttp.sendRaw(api.server.port(), request);
  }

  private static JsonNode json(RawHttp.Response answer) {
    try {
      return new ObjectMapper().readTree(answer.body());
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + answer.body(), e);
    }
  }

  private static void assertJsonError(RawHttp.Response answer, int status) {
    assertThat(answer.status()).as(answer.body()).isEqualTo(status);
    assertThat(answer.header("Content-Type")).as(answer.body()).startsWith("application/json");
    JsonNode body = json(answer);
    assertThat(body.path("type").asText()).isEqualTo("/std-errors");
    assertThat(body.path("status").asInt()).isEqualTo(status);
    assertThat(body.path("title").asText()).isNotBlank();
    assertThat(body.path("detail").asText()).isNotBlank();
    assertThat(body.path("details").asText()).isEqualTo(body.path("detail").asText());
  }

  @Test
  void errorsTheServerAnswersBeforeAnyRouteAreJson() {
    String host = "Host: 127.0.0.1:" + api.server.port() + "\r\n";
    Map<String, Integer> requests =
        Map.of(
            "GET /nowhere/at/all/x/y HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n",
            404,
            "GET /meshes/%zz HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n",
            400,
            "GET /%2e%2e/%2e%2e/etc HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n",
            400,
            "PUT /meshes/m HTTP/1.1\r\n" + host + "Content-Length: abc\r\n\r\n",
            400,
            "PUT /meshes/m HTTP/1.1\r\n" + host + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n",
            400,
            "GET / HTTP/1.1\r\n" + host + "Bad Header Name: x\r\n\r\n",
            400,
            "NOT A REQUEST LINE\r\n\r\n",
            400,
            "GET / HTTP/9.9\r\n" + host + "\r\n",
            505,
            "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\n" + host + "\r\n",
            414,
            "GET / HTTP/1.1\r\n" + host + "X-Big: " + "b".repeat(40_000) + "\r\n\r\n",
            431);
    requests.forEach(
        (request, status) -> {
          RawHttp.Response answer = raw(request);
          assertJsonError(answer, answer.status());
          assertThat(answer.status())
              .as(request.substring(0, Math.min(60, request.length())))
              .isBetween(400, 505);
        });
    // the exact statuses of the cases whose status is not Jetty's choice
    assertJsonError(
        raw("GET /nowhere/at/all/x/y HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n"), 404);
    assertJsonError(raw("GET /" + "a".repeat(20_000) + " HTTP/1.1\r\n" + host + "\r\n"), 414);
    assertJsonError(
        raw("GET / HTTP/1.1\r\n" + host + "X-Big: " + "b".repeat(40_000) + "\r\n\r\n"), 431);
    assertJsonError(raw("PUT /meshes/m HTTP/1.1\r\n" + host + "Content-Length: abc\r\n\r\n"), 400);
  }

  @Test
  void aTextPlainBodyIsRefusedWith415AndNothingIsWritten() {
    long before = api.store.currentRevision().join();
    String body = "{\"type\":\"Mesh\",\"name\":\"m\"}";
    var answer = api.put("/meshes/m", body, "Content-Type", "text/plain");
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(415);
    assertThat(api.json(answer).get("detail").asText())
        .contains("text/plain")
        .contains("application/json");
    assertThat(
            api.put("/meshes/m", body, "Content-Type", "application/x-www-form-urlencoded")
                .statusCode())
        .isEqualTo(415);
    assertThat(api.store.currentRevision().join()).isEqualTo(before);

    assertThat(
            api.put("/meshes/m", body, "Content-Type", "application/json; charset=utf-8")
                .statusCode())
        .isEqualTo(201);
    assertThat(
            api.put("/meshes/n", "type: Mesh\nname: n\n", "Content-Type", "text/yaml").statusCode())
        .isEqualTo(201);
  }

  /**
   * A browser sends a body without {@code Content-Type} and without a CORS preflight ({@code
   * fetch(url, {method: 'POST', body: new Blob([...])})}): such a body is refused like {@code
   * text/plain}, whatever the method, and the store is untouched.
   */
  @Test
  void aBodyWithoutContentTypeIsRefusedWith415AndNothingIsWritten() {
    ApiHarness.StoreSnapshot before = api.snapshot();
    String mesh = "{\"type\":\"Mesh\",\"name\":\"m\"}";
    String host = "Host: 127.0.0.1:" + api.server.port() + "\r\n";

    // java.net.http sends no Content-Type of its own
    var put = api.putWithoutContentType("/meshes/m", mesh);
    assertThat(put.statusCode()).as(put.body()).isEqualTo(415);
    JsonNode error = api.json(put);
    assertThat(error.get("detail").asText())
        .contains("Content-Type")
        .contains("application/json", "application/yaml", "application/x-yaml", "text/yaml");
    assertThat(api.causeFields(put)).containsExactly("Content-Type");

    // the refused body is drained: the connection is kept for the next request
    RawHttp.Response post =
        raw(
            "PUT /meshes/m HTTP/1.1\r\n"
                + host
                + "Content-Length: "
                + mesh.length()
                + "\r\n\r\n"
                + mesh);
    assertJsonError(post, 415);
    assertThat(post.header("Connection")).isNull();

    // a chunked body, and a body on a method that takes none, need a type just the same
    assertJsonError(
        raw(
            "PUT /meshes/m HTTP/1.1\r\n"
                + host
                + "Transfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(mesh.length())
                + "\r\n"
                + mesh
                + "\r\n0\r\n\r\n"),
        415);
    assertJsonError(
        raw("DELETE /meshes/m HTTP/1.1\r\n" + host + "Content-Length: 2\r\n\r\n{}"), 415);
    assertJsonError(raw("GET /meshes HTTP/1.1\r\n" + host + "Content-Length: 2\r\n\r\n{}"), 415);

    // an empty body without a type, on a route that reads the body
    assertJsonError(raw("PUT /meshes/m HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n"), 415);
    assertJsonError(raw("PUT /meshes/m HTTP/1.1\r\n" + host + "\r\n"), 415);
    // an empty Content-Type is no type
    assertJsonError(
        raw(
            "PUT /meshes/m HTTP/1.1\r\n"
                + host
                + "Content-Type: \r\nContent-Length: "
                + mesh.length()
                + "\r\n\r\n"
                + mesh),
        415);

    assertThat(api.snapshot()).isEqualTo(before);
    assertThat(api.put("/meshes/m", mesh, "Content-Type", "application/json").statusCode())
        .isEqualTo(201);
  }

  @Test
  void aRouteThatReadsNoBodyTakesAnEmptyRequestWithoutContentType() {
    try (ApiHarness withAction =
        new ApiHarness(
            b ->
                b.route(
                    ApiRoute.post(
                        "/actions/poke",
                        r ->
                            ApiResponse.json(
                                200, JsonNodeFactory.instance.objectNode().put("poked", true)))))) {
      String host = "Host: 127.0.0.1:" + withAction.server.port() + "\r\n";
      for (String empty : List.of("Content-Length: 0\r\n", "")) {
        RawHttp.Response answer =
            RawHttp.sendRaw(
                withAction.server.port(),
                "POST /actions/poke HTTP/1.1\r\n" + host + empty + "\r\n");
        assertThat(answer.status()).as(empty + answer.body()).isEqualTo(200);
      }
      // a body still needs a type, even where nothing reads it
      RawHttp.Response withBody =
          RawHttp.sendRaw(
              withAction.server.port(),
              "POST /actions/poke HTTP/1.1\r\n" + host + "Content-Length: 2\r\n\r\n{}");
      assertJsonError(withBody, 415);
    }
  }

  @Test
  void connectionsJettyClosesAfterAnErrorAreAnnouncedAndOthersKept() {
    // a refused body that arrived whole is drained: the connection stays usable
    RawHttp.Response refused =
        raw(
            "PUT /meshes/m HTTP/1.1\r\nHost: 127.0.0.1:"
                + api.server.port()
                + "\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n0123456789");
    assertJsonError(refused, 415);
    assertThat(refused.header("Connection")).isNull();

    // a path Jetty refuses itself (an encoded NUL): Jetty closes the connection after its 400,
    // so the answer must say so, or the client sends its next request into a closed connection
    RawHttp.Response bad =
        raw("GET /a/%00/b HTTP/1.1\r\nHost: 127.0.0.1:" + api.server.port() + "\r\n\r\n");
    assertJsonError(bad, 400);
    assertThat(bad.header("Connection")).isEqualToIgnoringCase("close");
  }

  @Test
  void aRefusedBodyThatIsStillArrivingIsDrainedAndTheConnectionKept() throws Exception {
    int port = api.server.port();
    byte[] body = "x".repeat(20_000).getBytes(StandardCharsets.US_ASCII);
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("PUT /meshes/m HTTP/1.1\r\nHost: 127.0.0.1:"
                  + port
                  + "\r\nContent-Type: multipart/form-data\r\nContent-Length: "
                  + body.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(body, 0, 1000);
      out.flush();
      // The rest comes later, as from a slow client: the server answers before it has it all.
      Thread.sleep(300);
      out.write(body, 1000, body.length - 1000);
      out.flush();
      InputStream in = socket.getInputStream();
      String head = readHead(in);
      assertThat(head).startsWith("HTTP/1.1 415");
      assertThat(head.toLowerCase(Locale.ROOT)).doesNotContain("connection: close");
      in.readNBytes(contentLength(head));

      out.write(
          ("GET / HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertThat(readHead(in))
          .as("the same connection answers the next request")
          .startsWith("HTTP/1.1 200");
    }
  }

  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new AssertionError("connection closed after: " + head);
      }
      head.append((char) c);
    }
    return head.toString();
  }

  private static int contentLength(String head) {
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        return Integer.parseInt(line.substring("content-length:".length()).strip());
      }
    }
    throw new AssertionError("no Content-Length: " + head);
  }

  @Test
  void aHostHeaderThatDoesNotNameThisServerIsRefused() {
    int port = api.server.port();
    RawHttp.Response rebinding =
        raw("GET /meshes HTTP/1.1\r\nHost: attacker.example:" + port + "\r\n\r\n");
    assertJsonError(rebinding, 421);
    assertThat(json(rebinding).get("detail").asText()).contains("attacker.example");
    assertJsonError(raw("GET / HTTP/1.1\r\nHost: 10.9.8.7:" + port + "\r\n\r\n"), 421);
    assertJsonError(raw("GET / HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n"), 421);

    for (String ok :
        List.of(
            "127.0.0.1:" + port,
            "localhost:" + port,
            "LOCALHOST",
            "cp.example.org:" + port,
            "127.0.0.1")) {
      RawHttp.Response answer = raw("GET / HTTP/1.1\r\nHost: " + ok + "\r\n\r\n");
      assertThat(answer.status()).as(ok + ": " + answer.body()).isEqualTo(200);
    }
  }

  @Test
  void listLinksAreBuiltFromTheBoundAddressNotFromTheHostHeader() {
    api.mesh("default");
    api.permission("default", "a", Map.of());
    api.permission("default", "b", Map.of());
    int port = api.server.port();
    RawHttp.Response answer =
        raw(
            "GET /meshes/default/traffic-permissions?size=1 HTTP/1.1\r\nHost: cp.example.org:"
                + port
                + "\r\n\r\n");
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(json(answer).get("next").asText())
        .startsWith("http://127.0.0.1:" + port + "/meshes/default/traffic-permissions?");
  }
}

package io.meshfed.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A small client for the control plane's REST API, with errors a person can act on.
 *
 * <p>It speaks HTTP/1.1 through {@link HttpURLConnection}: for an {@code http://} API a CLI call
 * then loads no TLS classes and builds no {@code SSLContext} (the JDK's {@code HttpClient} builds
 * the default one, reading the trust store, even for plain HTTP), and none of that client's
 * asynchronous machinery; connections are kept alive between the pages of a list. Replies are read
 * into JSON trees by {@link JsonTrees}, without an {@code ObjectMapper}.
 */
final class ApiClient {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private final URI base;
  private final String token;

  /**
   * @param token a user token sent as {@code Authorization: Bearer} on every request, or null
   */
  ApiClient(String baseUrl, String token) {
    String b = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    try {
      this.base = URI.create(b);
    } catch (IllegalArgumentException e) {
      throw new CliException(
          "--api '" + baseUrl + "' is not a URL (expected e.g. http://127.0.0.1:5681)");
    }
    if (base.getScheme() == null
        || !(base.getScheme().equals("http") || base.getScheme().equals("https"))
        || base.getHost() == null) {
      throw new CliException(
          "--api '" + baseUrl + "' is not an http(s) URL (expected e.g. http://127.0.0.1:5681)");
    }
    this.token = token;
    if (token != null && token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
      throw new CliException(
          "the user token contains spaces or control characters (check --token,"
              + " MESHFED_API_TOKEN or the CLI config file)");
    }
  }

  URI base() {
    return base;
  }

  /**
   * A response: status, parsed JSON body (null when the body is empty or not JSON), ETag and the
   * texts of its {@code Warning} headers.
   */
  record Reply(int status, JsonNode body, String raw, String etag, List<String> warnings) {
    Reply {
      warnings = List.copyOf(warnings);
    }

    Reply(int status, JsonNode body, String raw) {
      this(status, body, raw, null, List.of());
    }

    boolean ok() {
      return status >= 200 && status < 300;
    }
  }

  Reply get(String path) {
    return send("GET", path, null, null);
  }

  Reply put(String path, String jsonBody) {
    return send("PUT", path, jsonBody, null);
  }

  /** A PUT that succeeds only if the resource still has the version {@code etag} (from a GET). */
  Reply putIfMatch(String path, String jsonBody, String etag) {
    return send("PUT", path, jsonBody, etag);
  }

  Reply post(String path, String jsonBody) {
    return send("POST", path, jsonBody, null);
  }

  Reply delete(String path) {
    return send("DELETE", path, null, null);
  }

  /** Every item of a list endpoint, following {@code next} links. */
  List<JsonNode> listAll(String path) {
    List<JsonNode> items = new ArrayList<>();
    String next = path + (path.contains("?") ? "&" : "?") + "size=1000";
    while (next != null) {
      Reply r = get(next);
      if (!r.ok()) {
        throw new CliException(describeError(r));
      }
      r.body().path("items").forEach(items::add);
      JsonNode n = r.body().path("next");
      next = n.isTextual() ? n.asText() : null;
      if (next != null && next.startsWith("http")) {
        URI u = URI.create(next);
        next = u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
      }
    }
    return items;
  }

  private URI uri(String path) {
    return URI.create(base + path);
  }

  /**
   * One request: {@code jsonBody} (or none) sent with a fixed length, which also keeps the JDK from
   * sending a request again on its own; {@code ifMatch} as {@code If-Match} when not null.
   */
  private Reply send(String method, String path, String jsonBody, String ifMatch) {
    URI uri = uri(path);
    HttpURLConnection c = null;
    boolean connected = false;
    try {
      c = (HttpURLConnection) uri.toURL().openConnection();
      c.setRequestMethod(method);
      c.setInstanceFollowRedirects(false);
      c.setUseCaches(false);
      c.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
      c.setReadTimeout((int) REQUEST_TIMEOUT.toMillis());
      c.setRequestProperty("Accept", "application/json");
      if (token != null) {
        c.setRequestProperty("Authorization", "Bearer " + token);
      }
      if (ifMatch != null) {
        c.setRequestProperty("If-Match", ifMatch);
      }
      byte[] body = jsonBody == null ? null : jsonBody.getBytes(StandardCharsets.UTF_8);
      if (body != null) {
        c.setRequestProperty("Content-Type", "application/json");
        c.setDoOutput(true);
        c.setFixedLengthStreamingMode(body.length);
      }
      c.connect();
      connected = true;
      if (body != null) {
        try (OutputStream out = c.getOutputStream()) {
          out.write(body);
        }
      }
      int status = c.getResponseCode();
      String raw = readBody(status >= 400 ? c.getErrorStream() : c.getInputStream());
      return new Reply(
          status, parse(raw), raw, c.getHeaderField("ETag"), Warnings.parse(warningHeaders(c)));
    } catch (ConnectException e) {
      throw unreachable("connection refused");
    } catch (SocketTimeoutException e) {
      if (!connected) {
        throw unreachable("connect timed out");
      }
      throw new CliException(
          "the control plane API at "
              + base
              + " did not answer within "
              + REQUEST_TIMEOUT.toSeconds()
              + "s");
    } catch (IOException e) {
      throw new CliException("request to " + method + " " + uri + " failed: " + e.getMessage());
    }
  }

  private CliException unreachable(String why) {
    return new CliException(
        "cannot reach the control plane API at "
            + base
            + " ("
            + why
            + ").\n  Is `meshfed global run` running there? Point the CLI elsewhere with --api URL"
            + " or the MESHFED_API environment variable.");
  }

  /** The whole body as text (read to the end, so that the connection can be used again). */
  private static String readBody(InputStream in) throws IOException {
    if (in == null) {
      return "";
    }
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The body as JSON, or null when it is empty or not JSON. */
  private static JsonNode parse(String raw) {
    if (raw.isBlank()) {
      return null;
    }
    try {
      return JsonTrees.read(raw);
    } catch (IOException notJson) {
      return null;
    }
  }

  /** The values of every {@code Warning} header of the response, in order. */
  private static List<String> warningHeaders(HttpURLConnection c) {
    List<String> values = new ArrayList<>();
    for (int i = 1; c.getHeaderField(i) != null; i++) { // header 0 is the status line
      if ("Warning".equalsIgnoreCase(c.getHeaderFieldKey(i))) {
        values.add(c.getHeaderField(i));
      }
    }
    return values;
  }

  /** One readable line (plus causes) from an error reply. */
  static String describeError(Reply r) {
    JsonNode b = r.body();
    if (b == null) {
      return "HTTP "
          + r.status()
          + (r.raw() == null || r.raw().isBlank() ? "" : ": " + r.raw().strip());
    }
    StringBuilder sb = new StringBuilder();
    appendError(sb, b, r.status());
    if (r.status() == 401) {
      sb.append(
          "\n  Send a user token with --token, MESHFED_API_TOKEN or token: in the CLI config"
              + " file ("
              + CliConfigFile.location()
              + "); an admin mints one with"
              + " `meshfed generate user-token`.");
    }
    return sb.toString();
  }

  private static void appendError(StringBuilder sb, JsonNode b, int status) {
    String title = b.path("title").asText("HTTP " + status);
    String details = b.path("details").asText(b.path("detail").asText(""));
    sb.append(title);
    if (!details.isEmpty() && !details.equals(title)) {
      sb.append(": ").append(details);
    }
    for (JsonNode c : b.path("causes")) {
      sb.append("\n    ")
          .append(c.path("field").asText())
          .append(c.path("field").asText().isEmpty() ? "" : ": ")
          .append(c.path("message").asText());
    }
  }
}

package io.meshfed.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A small client for the control plane's REST API, with errors a person can act on. */
final class ApiClient {
  private final URI base;
  private final HttpClient http;
  private final ObjectMapper json;
  private final String token;

  /**
   * @param token a user token sent as {@code Authorization: Bearer} on every request, or null
   */
  ApiClient(String baseUrl, String token, ObjectMapper json) {
    String b = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    try {
      this.base = URI.create(b);
    } catch (IllegalArgumentException e) {
      throw new CliException(
          "--api '" + baseUrl + "' is not a URL (expected e.g. http://127.0.0.1:5681)");
    }
    if (base.getScheme() == null
        || !base.getScheme().startsWith("http")
        || base.getHost() == null) {
      throw new CliException(
          "--api '" + baseUrl + "' is not an http(s) URL (expected e.g. http://127.0.0.1:5681)");
    }
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    this.json = json;
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
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  Reply put(String path, String jsonBody) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(jsonBody, StandardCharsets.UTF_8)));
  }

  /** A PUT that succeeds only if the resource still has the version {@code etag} (from a GET). */
  Reply putIfMatch(String path, String jsonBody, String etag) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(jsonBody, StandardCharsets.UTF_8));
    if (etag != null) {
      b.header("If-Match", etag);
    }
    return send(b);
  }

  Reply post(String path, String jsonBody) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(jsonBody, StandardCharsets.UTF_8)));
  }

  Reply delete(String path) {
    return send(HttpRequest.newBuilder(uri(path)).DELETE());
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

  private Reply send(HttpRequest.Builder request) {
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpRequest req = request.timeout(Duration.ofSeconds(30)).build();
    try {
      HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
      JsonNode body = null;
      try {
        if (!resp.body().isBlank()) {
          body = json.readTree(resp.body());
        }
      } catch (IOException notJson) {
        body = null;
      }
      return new Reply(
          resp.statusCode(),
          body,
          resp.body(),
          resp.headers().firstValue("ETag").orElse(null),
          Warnings.parse(resp.headers().allValues("Warning")));
    } catch (ConnectException | HttpConnectTimeoutException e) {
      throw new CliException(
          "cannot reach the control plane API at "
              + base
              + " ("
              + (e instanceof ConnectException ? "connection refused" : "connect timed out")
              + ").\n  Is `meshfed global run` running there? Point the CLI elsewhere with --api URL"
              + " or the MESHFED_API environment variable.");
    } catch (HttpTimeoutException e) {
      throw new CliException("the control plane API at " + base + " did not answer within 30s");
    } catch (IOException e) {
      throw new CliException(
          "request to " + req.method() + " " + req.uri() + " failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    }
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

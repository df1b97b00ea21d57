package io.meshfed.dp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.model.Resource;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.validation.ValidationException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/** The zone control plane's REST API, as far as {@code dp run} needs it. */
final class ControlPlaneApi {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final URI base;
  private final HttpClient http;
  private final ResourceCodec codec;
  private final ObjectMapper json;

  ControlPlaneApi(URI base, ResourceCodec codec) {
    String b = base.toString();
    this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
    this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    this.codec = codec;
    this.json = codec.jsonMapper();
  }

  /** The REST path of the proxy's resource. */
  static String path(LaunchOptions o) {
    return o.proxyType() == ProxyType.SIDECAR
        ? "/meshes/" + o.mesh() + "/dataplanes/" + o.name()
        : "/zone-ingresses/" + o.name();
  }

  /**
   * What the API's index ({@code GET /}) says: its {@code mode} ({@code zone}, {@code global};
   * empty when absent) and the {@code xdsPort} it announces, if any.
   */
  record Index(String mode, Optional<Integer> xdsPort) {
    /** True when the index says this is a global control plane (which serves no proxies). */
    boolean isGlobal() {
      return "global".equals(mode);
    }
  }

  /** The API's index ({@code GET /}). */
  Index index() throws LaunchException {
    HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/")).GET());
    if (r.statusCode() != 200) {
      throw new LaunchException(
          "GET " + uri("/") + " answered HTTP " + r.statusCode() + " (expected 200 and the index)");
    }
    JsonNode body = parse(r.body());
    JsonNode port = body.path("xdsPort");
    return new Index(
        body.path("mode").asText(""),
        port.canConvertToInt() && port.asInt() > 0 ? Optional.of(port.asInt()) : Optional.empty());
  }

  /** {@code PUT} the resource; any answer but 2xx is an error with the API's reasons. */
  void register(LaunchOptions o, ProxyResource resource) throws LaunchException {
    URI target = uri(path(o));
    HttpResponse<String> r =
        send(
            authorized(o, HttpRequest.newBuilder(target))
                .header("Content-Type", resource.contentType())
                .PUT(HttpRequest.BodyPublishers.ofString(resource.body(), StandardCharsets.UTF_8)));
    if (r.statusCode() / 100 != 2) {
      throw new LaunchException(
          "the control plane refused "
              + o.describe()
              + " (PUT "
              + target
              + "): "
              + describeError(r.statusCode(), r.body()));
    }
  }

  /** The resource as the zone stores it, for a proxy started without a dataplane file. */
  ProxyResource fetch(LaunchOptions o) throws LaunchException {
    URI target = uri(path(o));
    HttpResponse<String> r = send(HttpRequest.newBuilder(target).GET());
    if (r.statusCode() == 404) {
      throw new LaunchException(
          o.describe()
              + " does not exist at "
              + target
              + " (expected: apply it first, or pass --dataplane-file)");
    }
    if (r.statusCode() != 200) {
      throw new LaunchException(
          "GET " + target + " failed: " + describeError(r.statusCode(), r.body()));
    }
    try {
      Resource resource = codec.decodeOne(r.body());
      return ProxyResource.existing(resource);
    } catch (ValidationException e) {
      throw new LaunchException(
          "GET " + target + " returned an unreadable resource: " + e.getMessage());
    }
  }

  /** Whether the zone holds the proxy's resource ({@code GET}: 200 yes, 404 no, else an error). */
  boolean exists(LaunchOptions o) throws LaunchException {
    URI target = uri(path(o));
    HttpResponse<String> r = send(HttpRequest.newBuilder(target).GET());
    if (r.statusCode() == 200) {
      return true;
    }
    if (r.statusCode() == 404) {
      return false;
    }
    throw new LaunchException(
        "GET " + target + " failed: " + describeError(r.statusCode(), r.body()));
  }

  /** {@code DELETE} the resource; a resource that is already gone counts as deleted. */
  void deregister(LaunchOptions o) throws LaunchException {
    URI target = uri(path(o));
    HttpResponse<String> r = send(authorized(o, HttpRequest.newBuilder(target)).DELETE());
    if (r.statusCode() / 100 != 2 && r.statusCode() != 404) {
      throw new LaunchException(
          "DELETE " + target + " failed: " + describeError(r.statusCode(), r.body()));
    }
  }

  /**
   * Adds the {@link DataplaneTokenHeader} header when the proxy has a dataplane token ({@code
   * Authorization} carries user tokens, which the API authenticates separately).
   */
  private static HttpRequest.Builder authorized(LaunchOptions o, HttpRequest.Builder request) {
    o.dataplaneToken().ifPresent(t -> request.header(DataplaneTokenHeader.NAME, t));
    return request;
  }

  private URI uri(String path) {
    return URI.create(base + path);
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws LaunchException {
    HttpRequest req = request.timeout(TIMEOUT).build();
    try {
      return http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new LaunchException(
          "cannot reach the control plane API: "
              + req.method()
              + " "
              + req.uri()
              + " failed ("
              + (e instanceof ConnectException
                  ? "connection refused"
                  : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
              + "); is `meshfed zone run` listening there (--cp-address)?",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LaunchException("interrupted during " + req.method() + " " + req.uri(), e);
    }
  }

  private JsonNode parse(String body) {
    try {
      return json.readTree(body);
    } catch (IOException e) {
      return json.nullNode();
    }
  }

  /** {@code HTTP 400 Resource is not valid: details} plus one line per cause. */
  String describeError(int status, String body) {
    JsonNode b = parse(body);
    StringBuilder sb = new StringBuilder("HTTP ").append(status);
    if (!b.isObject()) {
      return body == null || body.isBlank()
          ? sb.toString()
          : sb.append(": ").append(body.strip()).toString();
    }
    String title = b.path("title").asText("");
    String details = b.path("details").asText("");
    if (!title.isEmpty()) {
      sb.append(' ').append(title);
    }
    if (!details.isEmpty() && !details.equals(title)) {
      sb.append(": ").append(details);
    }
    for (JsonNode c : b.path("causes")) {
      String field = c.path("field").asText("");
      sb.append("\n  - ")
          .append(field.isEmpty() ? "" : field + ": ")
          .append(c.path("message").asText());
    }
    return sb.toString();
  }
}

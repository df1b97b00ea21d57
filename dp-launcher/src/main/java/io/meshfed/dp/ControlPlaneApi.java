package io.meshfed.dp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.model.DataplaneTokenHeader;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The zone control plane's REST API, as far as {@code dp run} needs it. A zone may run several
 * replicas, each serving the same API over the same store: every call tries the addresses in turn,
 * starting with the one that answered last, and moves on when an address cannot be reached (or
 * answers 502/503/504, a replica that is stopping or not ready). Any other answer, an error
 * included, is the zone's answer. Thread-safe: the address that answered last is the only state.
 */
final class ControlPlaneApi {
  private static final Logger log = LoggerFactory.getLogger(ControlPlaneApi.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final List<URI> bases;
  private final HttpClient http;
  private final ResourceCodec codec;
  private final ObjectMapper json;
  private final AtomicInteger current = new AtomicInteger();

  ControlPlaneApi(URI base, ResourceCodec codec) {
    this(List.of(base), codec);
  }

  ControlPlaneApi(List<URI> bases, ResourceCodec codec) {
    if (bases.isEmpty()) {
      throw new IllegalArgumentException("no control plane address (expected --cp-address URL)");
    }
    this.bases =
        bases.stream()
            .map(URI::toString)
            .map(b -> URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b))
            .toList();
    this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    this.codec = codec;
    this.json = codec.jsonMapper();
  }

  /** The address that answered last (the first one before any call). */
  URI currentAddress() {
    return bases.get(current.get());
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

  /** The index ({@code GET /}) of the first address that answers. */
  Index index() throws LaunchException {
    return index(send("/", HttpRequest.Builder::GET));
  }

  /**
   * The index of each address, in the order the addresses were given; empty for an address that
   * cannot be reached.
   *
   * @throws LaunchException when no address answers, or one answers other than 200
   */
  List<Optional<Index>> indexes() throws LaunchException {
    List<Optional<Index>> out = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    IOException lastError = null;
    for (URI base : bases) {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(base + "/")).GET().timeout(TIMEOUT).build();
      try {
        out.add(Optional.of(index(new Answer(request.uri(), sendOnce(request)))));
      } catch (IOException e) {
        failures.add(failure(request, e));
        lastError = e;
        out.add(Optional.empty());
      }
    }
    if (out.stream().allMatch(Optional::isEmpty)) {
      throw unreachable(failures, lastError);
    }
    return out;
  }

  private Index index(Answer a) throws LaunchException {
    if (a.response().statusCode() != 200) {
      throw new LaunchException(
          "GET "
              + a.target()
              + " answered HTTP "
              + a.response().statusCode()
              + " (expected 200 and the index)");
    }
    JsonNode body = parse(a.response().body());
    JsonNode port = body.path("xdsPort");
    return new Index(
        body.path("mode").asText(""),
        port.canConvertToInt() && port.asInt() > 0 ? Optional.of(port.asInt()) : Optional.empty());
  }

  /** {@code PUT} the resource; any answer but 2xx is an error with the API's reasons. */
  void register(LaunchOptions o, ProxyResource resource) throws LaunchException {
    Answer a =
        send(
            path(o),
            r ->
                authorized(o, r)
                    .header("Content-Type", resource.contentType())
                    .PUT(
                        HttpRequest.BodyPublishers.ofString(
                            resource.body(), StandardCharsets.UTF_8)));
    HttpResponse<String> r = a.response();
    if (r.statusCode() / 100 != 2) {
      throw new LaunchException(
          "the control plane refused "
              + o.describe()
              + " (PUT "
              + a.target()
              + "): "
              + describeError(r.statusCode(), r.body()));
    }
  }

  /** The resource as the zone stores it, for a proxy started without a dataplane file. */
  ProxyResource fetch(LaunchOptions o) throws LaunchException {
    Answer a = send(path(o), HttpRequest.Builder::GET);
    HttpResponse<String> r = a.response();
    if (r.statusCode() == 404) {
      throw new LaunchException(
          o.describe()
              + " does not exist at "
              + a.target()
              + " (expected: apply it first, or pass --dataplane-file)");
    }
    if (r.statusCode() != 200) {
      throw new LaunchException(
          "GET " + a.target() + " failed: " + describeError(r.statusCode(), r.body()));
    }
    try {
      Resource resource = codec.decodeOne(r.body());
      return ProxyResource.existing(resource);
    } catch (ValidationException e) {
      throw new LaunchException(
          "GET " + a.target() + " returned an unreadable resource: " + e.getMessage());
    }
  }

  /** Whether the zone holds the proxy's resource ({@code GET}: 200 yes, 404 no, else an error). */
  boolean exists(LaunchOptions o) throws LaunchException {
    Answer a = send(path(o), HttpRequest.Builder::GET);
    HttpResponse<String> r = a.response();
    if (r.statusCode() == 200) {
      return true;
    }
    if (r.statusCode() == 404) {
      return false;
    }
    throw new LaunchException(
        "GET " + a.target() + " failed: " + describeError(r.statusCode(), r.body()));
  }

  /** {@code DELETE} the resource; a resource that is already gone counts as deleted. */
  void deregister(LaunchOptions o) throws LaunchException {
    Answer a = send(path(o), r -> authorized(o, r).DELETE());
    HttpResponse<String> r = a.response();
    if (r.statusCode() / 100 != 2 && r.statusCode() != 404) {
      throw new LaunchException(
          "DELETE " + a.target() + " failed: " + describeError(r.statusCode(), r.body()));
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

  /** An answer and the URL that gave it. */
  private record Answer(URI target, HttpResponse<String> response) {}

  /**
   * Sends the request to {@code path} on each address in turn, from the one that answered last,
   * until one answers with anything but 502/503/504; that address becomes the current one. When
   * every address failed: the last 502/503/504 answer, if any, else an error naming each failure.
   */
  private Answer send(String path, UnaryOperator<HttpRequest.Builder> shape)
      throws LaunchException {
    int first = current.get();
    List<String> failures = new ArrayList<>();
    IOException lastError = null;
    Answer unavailable = null;
    for (int i = 0; i < bases.size(); i++) {
      int at = (first + i) % bases.size();
      HttpRequest request =
          shape
              .apply(HttpRequest.newBuilder(URI.create(bases.get(at) + path)))
              .timeout(TIMEOUT)
              .build();
      HttpResponse<String> response;
      try {
        response = sendOnce(request);
      } catch (IOException e) {
        failures.add(failure(request, e));
        lastError = e;
        continue;
      }
      Answer answer = new Answer(request.uri(), response);
      int status = response.statusCode();
      if (bases.size() > 1 && (status == 502 || status == 503 || status == 504)) {
        failures.add(request.method() + " " + request.uri() + " answered HTTP " + status);
        unavailable = answer;
        continue;
      }
      if (at != first) {
        log.info(
            "control plane {} did not answer ({}); using {} from now on",
            bases.get(first),
            String.join("; ", failures),
            bases.get(at));
        current.set(at);
      }
      return answer;
    }
    if (unavailable != null) {
      return unavailable;
    }
    throw unreachable(failures, lastError);
  }

  private HttpResponse<String> sendOnce(HttpRequest request) throws IOException, LaunchException {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LaunchException("interrupted during " + request.method() + " " + request.uri(), e);
    }
  }

  private static String failure(HttpRequest request, IOException e) {
    return request.method()
        + " "
        + request.uri()
        + " failed ("
        + (e instanceof ConnectException
            ? "connection refused"
            : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
        + ")";
  }

  private LaunchException unreachable(List<String> failures, IOException cause) {
    return new LaunchException(
        "cannot reach the control plane API: "
            + String.join("; ", failures)
            + "; is `meshfed zone run` listening there (--cp-address)?",
        cause);
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

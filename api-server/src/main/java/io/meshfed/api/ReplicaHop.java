package io.meshfed.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.function.Supplier;

/**
 * One hop of a GET from one control plane replica to another's API: the replica that received a
 * request it cannot answer (the zone's stream, or the proxy's, is on another replica) asks the one
 * that can, and answers what it answered. The hop carries {@value #FORWARDED_BY} naming the sender,
 * so the receiver never forwards again (one hop at most), and the authorization the sender chose
 * (the caller's own header, as a rule). Used by global's replicas for zone streams and by a zone's
 * replicas for proxy streams. Stateless but for its client, made on the first GET (under the
 * instance's lock); thread-safe.
 */
public final class ReplicaHop {
  /** Set on a forwarded request to the instance id of the replica that forwarded it. */
  public static final String FORWARDED_BY = "X-Meshfed-Forwarded-By";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Supplier<HttpClient> makeClient;
  private final Duration timeout;

  /** Guarded by {@code this}; null until the first GET. */
  private HttpClient http;

  /**
   * @param http the client the GETs go through
   * @param timeout how long the other replica has to answer
   */
  public ReplicaHop(HttpClient http, Duration timeout) {
    this(() -> http, timeout);
  }

  /**
   * @param makeClient makes the client the GETs go through, called once, on the first GET
   * @param timeout how long the other replica has to answer
   */
  public ReplicaHop(Supplier<HttpClient> makeClient, Duration timeout) {
    this.makeClient = makeClient;
    this.timeout = timeout;
  }

  /**
   * A client with a 5 s connect timeout, made on the first GET: making one builds the JDK's default
   * {@code SSLContext} (reading its trust store), a cost a control plane's start-up should not pay
   * for a hop that may never happen.
   */
  public static ReplicaHop withTimeout(Duration timeout) {
    return new ReplicaHop(
        () -> HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), timeout);
  }

  private synchronized HttpClient client() {
    if (http == null) {
      http = makeClient.get();
    }
    return http;
  }

  /** How long the other replica has to answer. */
  public Duration timeout() {
    return timeout;
  }

  /**
   * The other replica's answer, status, content type and body as they are.
   *
   * @param apiUrl the other replica's API, e.g. {@code http://10.0.0.2:5681}
   * @param path the decoded path asked, e.g. {@code /meshes/default/dataplanes/web/xds}
   * @param query the query parameters asked
   * @param from this replica's instance id, sent as {@value #FORWARDED_BY}
   * @param authorization the {@code Authorization} header to send, if any
   * @throws IOException when the other replica cannot be reached or does not answer in time
   * @throws ApiException 502 when it answers a status that is not HTTP's
   */
  public ApiResponse get(
      String apiUrl,
      String path,
      Map<String, List<String>> query,
      String from,
      Optional<String> authorization)
      throws IOException, InterruptedException {
    HttpRequest.Builder get =
        HttpRequest.newBuilder(URI.create(stripSlash(apiUrl) + encodePath(path) + query(query)))
            .timeout(timeout)
            .header("Accept", ApiResponse.JSON)
            .header(FORWARDED_BY, from)
            .GET();
    authorization.ifPresent(a -> get.header("Authorization", a));
    HttpResponse<byte[]> answer =
        client().send(get.build(), HttpResponse.BodyHandlers.ofByteArray());
    int status = answer.statusCode();
    if (status < 200 || status > 599) {
      throw new ApiException(
          502, "Bad Gateway", "replica at " + apiUrl + " answered status " + status);
    }
    String type = answer.headers().firstValue("Content-Type").orElse(ApiResponse.JSON);
    return ApiResponse.bytes(status, type, answer.body());
  }

  /**
   * The text field {@code field} of a JSON object held in a coordination key, if both exist; a
   * value that is not such JSON counts as absent.
   */
  public static Optional<String> field(Optional<String> json, String field) {
    if (json.isEmpty()) {
      return Optional.empty();
    }
    try {
      JsonNode node = JSON.readTree(json.get());
      JsonNode v = node == null ? null : node.get(field);
      return v == null || !v.isTextual() ? Optional.empty() : Optional.of(v.asText());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /** Each segment of a decoded path percent-encoded again ({@code /} kept between segments). */
  static String encodePath(String path) {
    StringJoiner out = new StringJoiner("/");
    for (String segment : path.split("/", -1)) {
      out.add(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return out.toString();
  }

  private static String query(Map<String, List<String>> query) {
    if (query.isEmpty()) {
      return "";
    }
    StringJoiner out = new StringJoiner("&", "?", "");
    query.forEach(
        (name, values) -> {
          for (String v : values) {
            out.add(
                URLEncoder.encode(name, StandardCharsets.UTF_8)
                    + "="
                    + URLEncoder.encode(v, StandardCharsets.UTF_8));
          }
        });
    return out.toString();
  }
}

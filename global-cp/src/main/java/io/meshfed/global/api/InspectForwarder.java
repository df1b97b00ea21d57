package io.meshfed.global.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.api.ApiException;
import io.meshfed.api.ApiRequest;
import io.meshfed.api.ApiResponse;
import io.meshfed.store.ha.Coordination;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends an inspect request for a zone whose stream another global replica holds to that replica:
 * the zone's stream owner comes from the leased key {@code zone-streams/<zone>} ({@code
 * globalInstance}), its API from {@code instances/<id>} ({@code apiUrl}). The GET goes with the
 * caller's {@code Authorization} header, so the owner checks the caller as this replica would, and
 * with {@value #FORWARDED_BY} naming this replica: a forwarded request is never forwarded again
 * (one hop). The owner's status and body come back as they are. 503 when no replica holds the
 * zone's stream, when this one is named but has no stream, or when the owner does not answer within
 * the timeout. Stateless; thread-safe.
 */
final class InspectForwarder {
  private static final Logger log = LoggerFactory.getLogger(InspectForwarder.class);

  /** Set on a forwarded request to the id of the replica that forwarded it. */
  static final String FORWARDED_BY = "X-Meshfed-Forwarded-By";

  static final String ZONE_STREAMS = "zone-streams";
  static final String INSTANCES = "instances";

  private final Coordination coordination;
  private final HttpClient http;
  private final Duration timeout;
  private final ObjectMapper json = new ObjectMapper();

  /**
   * @param coordination this process's coordination: who holds which zone, where replicas listen
   * @param http the client the GETs go through
   * @param timeout how long the owner has to answer (and the key reads to complete)
   */
  InspectForwarder(Coordination coordination, HttpClient http, Duration timeout) {
    this.coordination = coordination;
    this.http = http;
    this.timeout = timeout;
  }

  /**
   * The owning replica's answer to {@code request}, asked because {@code zone} has no stream here.
   *
   * @throws ApiException 503 naming the zone when nobody can answer
   */
  ApiResponse forward(ApiRequest request, String zone) throws InterruptedException {
    Optional<String> from = request.header(FORWARDED_BY);
    if (from.isPresent()) {
      throw unavailable(
          "zone '"
              + zone
              + "' is not connected to global replica "
              + coordination.instanceId()
              + " either (request forwarded by "
              + from.get()
              + "; forwarded at most once)");
    }
    String owner =
        field(read(ZONE_STREAMS, zone), "globalInstance")
            .orElseThrow(
                () ->
                    unavailable(
                        "zone '" + zone + "' is not connected to any global replica right now"));
    if (owner.equals(coordination.instanceId())) {
      throw unavailable(
          "zone '" + zone + "' is registered on this global replica but its stream is not open");
    }
    String apiUrl =
        field(read(INSTANCES, owner), "apiUrl")
            .filter(u -> !u.isBlank())
            .orElseThrow(
                () ->
                    unavailable(
                        "zone '"
                            + zone
                            + "' is connected to global replica "
                            + owner
                            + ", which has no API address registered (stopped?)"));
    URI target = URI.create(stripSlash(apiUrl) + request.path() + query(request.query()));
    HttpRequest.Builder get =
        HttpRequest.newBuilder(target)
            .timeout(timeout)
            .header("Accept", ApiResponse.JSON)
            .header(FORWARDED_BY, coordination.instanceId())
            .GET();
    request.header("Authorization").ifPresent(a -> get.header("Authorization", a));
    HttpResponse<byte[]> answer;
    try {
      answer = http.send(get.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      log.info(
          "zone {}: inspect forwarded to {} at {} failed: {}", zone, owner, apiUrl, e.toString());
      throw unavailable(
          "zone '"
              + zone
              + "' is connected to global replica "
              + owner
              + " ("
              + apiUrl
              + "), which did not answer: "
              + e);
    }
    int status = answer.statusCode();
    if (status < 200 || status > 599) {
      throw new ApiException(
          502,
          "Bad Gateway",
          "global replica " + owner + " answered status " + status + " for zone '" + zone + "'");
    }
    String type = answer.headers().firstValue("Content-Type").orElse(ApiResponse.JSON);
    return ApiResponse.bytes(status, type, answer.body());
  }

  private Optional<String> read(String namespace, String name) throws InterruptedException {
    try {
      return coordination.keys(namespace).read(name).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw unavailable(
          "cannot read "
              + namespace
              + "/"
              + name
              + " to find the global replica holding the zone: "
              + cause);
    }
  }

  private Optional<String> field(Optional<String> value, String field) {
    if (value.isEmpty()) {
      return Optional.empty();
    }
    try {
      JsonNode node = json.readTree(value.get());
      JsonNode v = node == null ? null : node.get(field);
      return v == null || !v.isTextual() ? Optional.empty() : Optional.of(v.asText());
    } catch (IOException e) {
      log.warn(
          "coordination value '{}' is not JSON with '{}': {}", value.get(), field, e.toString());
      return Optional.empty();
    }
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
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

  private static ApiException unavailable(String detail) {
    return new ApiException(503, "Service Unavailable", detail);
  }
}

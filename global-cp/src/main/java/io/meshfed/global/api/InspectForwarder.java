package io.meshfed.global.api;

import io.meshfed.api.ApiException;
import io.meshfed.api.ApiRequest;
import io.meshfed.api.ApiResponse;
import io.meshfed.api.ReplicaHop;
import io.meshfed.store.ha.Coordination;
import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Optional;
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
 * with {@value ReplicaHop#FORWARDED_BY} naming this replica ({@link ReplicaHop}): a forwarded
 * request is never forwarded again (one hop). The owner's status and body come back as they are.
 * 503 when no replica holds the zone's stream, when this one is named but has no stream, or when
 * the owner does not answer within the timeout. Stateless; thread-safe.
 */
final class InspectForwarder {
  private static final Logger log = LoggerFactory.getLogger(InspectForwarder.class);

  /** Set on a forwarded request to the id of the replica that forwarded it. */
  static final String FORWARDED_BY = ReplicaHop.FORWARDED_BY;

  static final String ZONE_STREAMS = "zone-streams";
  static final String INSTANCES = "instances";

  private final Coordination coordination;
  private final ReplicaHop hop;
  private final Duration timeout;

  /**
   * @param coordination this process's coordination: who holds which zone, where replicas listen
   * @param http the client the GETs go through
   * @param timeout how long the owner has to answer (and the key reads to complete)
   */
  InspectForwarder(Coordination coordination, HttpClient http, Duration timeout) {
    this(coordination, new ReplicaHop(http, timeout), timeout);
  }

  /**
   * @param hop the GETs to the owner ({@link ReplicaHop#withTimeout}: its client is made on the
   *     first one)
   */
  InspectForwarder(Coordination coordination, ReplicaHop hop, Duration timeout) {
    this.coordination = coordination;
    this.hop = hop;
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
        ReplicaHop.field(read(ZONE_STREAMS, zone), "globalInstance")
            .orElseThrow(
                () ->
                    unavailable(
                        "zone '" + zone + "' is not connected to any global replica right now"));
    if (owner.equals(coordination.instanceId())) {
      throw unavailable(
          "zone '" + zone + "' is registered on this global replica but its stream is not open");
    }
    String apiUrl =
        ReplicaHop.field(read(INSTANCES, owner), "apiUrl")
            .filter(u -> !u.isBlank())
            .orElseThrow(
                () ->
                    unavailable(
                        "zone '"
                            + zone
                            + "' is connected to global replica "
                            + owner
                            + ", which has no API address registered (stopped?)"));
    try {
      return hop.get(
          apiUrl,
          request.path(),
          request.query(),
          coordination.instanceId(),
          request.header("Authorization"));
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

  private static ApiException unavailable(String detail) {
    return new ApiException(503, "Service Unavailable", detail);
  }
}

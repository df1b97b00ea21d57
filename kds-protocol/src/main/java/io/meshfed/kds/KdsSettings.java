package io.meshfed.kds;

import java.time.Duration;
import java.util.Objects;

/**
 * Tunables of a KDS stream.
 *
 * @param maxResponseBytes no response is larger than this (serialized); a single resource that does
 *     not fit is not sent and is reported as too large. Receivers accept up to {@link
 *     #inboundLimit()}.
 * @param nackBackoff how long a rejected resource version is not re-sent unless it changes
 * @param heartbeatInterval how often the requesting side sends a heartbeat
 * @param heartbeatTimeout a stream on which nothing arrived for this long is closed
 * @param coalesceDelay the minimum gap between two responses of one type on one stream (default
 *     zero). Responses are paced by the peer's answers anyway: a change goes out at once when no
 *     response of its type is unanswered, and what changes meanwhile goes out as one delta after
 *     the answer; a positive gap also holds that next response until the gap since the previous one
 *     has passed
 * @param controlPlaneId the identity a serving side puts into every response ({@code
 *     control_plane.identifier}): global's store identity, so that zones can tell a different (for
 *     example wiped) global from the one their copies came from; empty for none
 */
public record KdsSettings(
    int maxResponseBytes,
    Duration nackBackoff,
    Duration heartbeatInterval,
    Duration heartbeatTimeout,
    Duration coalesceDelay,
    String controlPlaneId) {

  public static final int DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

  /**
   * The largest message a KDS endpoint accepts. Independent of the response budget: a request's
   * {@code initial_resource_versions} grows with what the peer holds (about 50 bytes a resource),
   * and the peer's budget may be larger than ours.
   */
  public static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;

  /** The gRPC {@code maxInboundMessageSize} for both ends of a KDS connection. */
  public int inboundLimit() {
    return Math.max(maxResponseBytes, MAX_INBOUND_MESSAGE_BYTES);
  }

  public KdsSettings {
    if (maxResponseBytes < 1024) {
      throw new IllegalArgumentException(
          "maxResponseBytes must be at least 1024 (got " + maxResponseBytes + ")");
    }
    requirePositive(nackBackoff, "nackBackoff");
    requirePositive(heartbeatInterval, "heartbeatInterval");
    requirePositive(heartbeatTimeout, "heartbeatTimeout");
    Objects.requireNonNull(coalesceDelay, "coalesceDelay");
    controlPlaneId = controlPlaneId == null ? "" : controlPlaneId;
    if (coalesceDelay.isNegative()) {
      throw new IllegalArgumentException("coalesceDelay must not be negative");
    }
    if (heartbeatTimeout.compareTo(heartbeatInterval) <= 0) {
      throw new IllegalArgumentException(
          "heartbeatTimeout ("
              + heartbeatTimeout
              + ") must be longer than heartbeatInterval ("
              + heartbeatInterval
              + ")");
    }
  }

  public KdsSettings(
      int maxResponseBytes,
      Duration nackBackoff,
      Duration heartbeatInterval,
      Duration heartbeatTimeout,
      Duration coalesceDelay) {
    this(maxResponseBytes, nackBackoff, heartbeatInterval, heartbeatTimeout, coalesceDelay, "");
  }

  public KdsSettings withControlPlaneId(String id) {
    return new KdsSettings(
        maxResponseBytes, nackBackoff, heartbeatInterval, heartbeatTimeout, coalesceDelay, id);
  }

  private static void requirePositive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive (got " + d + ")");
    }
  }

  /**
   * 4 MiB responses, 30s NACK back-off, 5s heartbeat, 15s timeout, no minimum gap between responses
   * (they are paced by ACKs).
   */
  public static KdsSettings defaults() {
    return new KdsSettings(
        DEFAULT_MAX_RESPONSE_BYTES,
        Duration.ofSeconds(30),
        Duration.ofSeconds(5),
        Duration.ofSeconds(15),
        Duration.ZERO);
  }

  public KdsSettings withMaxResponseBytes(int bytes) {
    return new KdsSettings(
        bytes, nackBackoff, heartbeatInterval, heartbeatTimeout, coalesceDelay, controlPlaneId);
  }

  public KdsSettings withNackBackoff(Duration backoff) {
    return new KdsSettings(
        maxResponseBytes,
        backoff,
        heartbeatInterval,
        heartbeatTimeout,
        coalesceDelay,
        controlPlaneId);
  }

  public KdsSettings withHeartbeat(Duration interval, Duration timeout) {
    return new KdsSettings(
        maxResponseBytes, nackBackoff, interval, timeout, coalesceDelay, controlPlaneId);
  }

  public KdsSettings withCoalesceDelay(Duration delay) {
    return new KdsSettings(
        maxResponseBytes, nackBackoff, heartbeatInterval, heartbeatTimeout, delay, controlPlaneId);
  }
}

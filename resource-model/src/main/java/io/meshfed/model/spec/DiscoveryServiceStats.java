package io.meshfed.model.spec;

import java.time.Instant;

/**
 * Counters of one discovery stream (xDS or KDS), total or per type, and what was last acknowledged:
 * the version (for delta streams, the nonce of the acknowledged response), when, and how long after
 * it was sent.
 */
public record DiscoveryServiceStats(
    Long responsesSent,
    Long responsesAcknowledged,
    Long responsesRejected,
    String lastAckedVersion,
    Instant lastAckTime,
    Double lastAckLatencySeconds) {

  public static final DiscoveryServiceStats ZERO = new DiscoveryServiceStats(0L, 0L, 0L);

  public DiscoveryServiceStats(
      Long responsesSent, Long responsesAcknowledged, Long responsesRejected) {
    this(responsesSent, responsesAcknowledged, responsesRejected, null, null, null);
  }

  private static long n(Long v) {
    return v == null ? 0 : v;
  }

  public DiscoveryServiceStats plusSent(long count) {
    return new DiscoveryServiceStats(
        n(responsesSent) + count,
        n(responsesAcknowledged),
        n(responsesRejected),
        lastAckedVersion,
        lastAckTime,
        lastAckLatencySeconds);
  }

  public DiscoveryServiceStats plusAcknowledged(long count) {
    return new DiscoveryServiceStats(
        n(responsesSent),
        n(responsesAcknowledged) + count,
        n(responsesRejected),
        lastAckedVersion,
        lastAckTime,
        lastAckLatencySeconds);
  }

  public DiscoveryServiceStats plusRejected(long count) {
    return new DiscoveryServiceStats(
        n(responsesSent),
        n(responsesAcknowledged),
        n(responsesRejected) + count,
        lastAckedVersion,
        lastAckTime,
        lastAckLatencySeconds);
  }

  /**
   * Records an acknowledgement of {@code version} at {@code at}, {@code latencySeconds} after
   * sending.
   */
  public DiscoveryServiceStats acknowledged(String version, Instant at, double latencySeconds) {
    return new DiscoveryServiceStats(
        n(responsesSent),
        n(responsesAcknowledged) + 1,
        n(responsesRejected),
        version,
        at,
        latencySeconds);
  }
}

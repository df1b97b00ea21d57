package io.meshfed.model.spec;

/** Counters of one discovery stream (xDS or KDS), total or per type. */
public record DiscoveryServiceStats(
    Long responsesSent, Long responsesAcknowledged, Long responsesRejected) {

  public static final DiscoveryServiceStats ZERO = new DiscoveryServiceStats(0L, 0L, 0L);

  private static long n(Long v) {
    return v == null ? 0 : v;
  }

  public DiscoveryServiceStats plusSent(long count) {
    return new DiscoveryServiceStats(
        n(responsesSent) + count, n(responsesAcknowledged), n(responsesRejected));
  }

  public DiscoveryServiceStats plusAcknowledged(long count) {
    return new DiscoveryServiceStats(
        n(responsesSent), n(responsesAcknowledged) + count, n(responsesRejected));
  }

  public DiscoveryServiceStats plusRejected(long count) {
    return new DiscoveryServiceStats(
        n(responsesSent), n(responsesAcknowledged), n(responsesRejected) + count);
  }
}

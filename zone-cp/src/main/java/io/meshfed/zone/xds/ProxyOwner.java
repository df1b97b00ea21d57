package io.meshfed.zone.xds;

import io.meshfed.api.ReplicaHop;
import io.meshfed.model.spec.DataplaneInsightSpec;
import io.meshfed.model.spec.DiscoverySubscription;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which replica of the zone holds a proxy's xDS stream, as its {@code DataplaneInsight} tells: the
 * newest open subscription names the replica ({@code controlPlaneInstanceId}), and the zone's
 * registry of live replicas ({@code instances/<id>}) says whether it is still there and where its
 * API listens.
 *
 * @param kind where the stream is
 * @param instanceId the replica named by the open subscription; empty for {@link Kind#NONE}
 * @param apiUrl that replica's API; set only for {@link Kind#REMOTE}
 */
record ProxyOwner(Kind kind, String instanceId, String apiUrl) {

  enum Kind {
    /** No open subscription: the proxy is not connected to any replica. */
    NONE,
    /** This replica holds the stream. */
    LOCAL,
    /** Another live replica holds it, at {@link #apiUrl}. */
    REMOTE,
    /** The replica named is not registered any more (dead, or its lease expired). */
    GONE
  }

  /**
   * The owner of the proxy whose insight is {@code insight}, seen from replica {@code self}.
   *
   * @param live the live replicas' registrations, instance id to its JSON value
   */
  static ProxyOwner of(
      Optional<DataplaneInsightSpec> insight, String self, Map<String, String> live) {
    Optional<String> holder = insight.flatMap(ProxyOwner::openSubscriptionHolder);
    if (holder.isEmpty()) {
      return new ProxyOwner(Kind.NONE, "", null);
    }
    String id = holder.get();
    if (id.equals(self)) {
      return new ProxyOwner(Kind.LOCAL, id, null);
    }
    return ReplicaHop.field(Optional.ofNullable(live.get(id)), "apiUrl")
        .filter(url -> !url.isBlank())
        .map(url -> new ProxyOwner(Kind.REMOTE, id, url))
        .orElseGet(() -> new ProxyOwner(Kind.GONE, id, null));
  }

  /** The replica of the newest open subscription that names one. */
  private static Optional<String> openSubscriptionHolder(DataplaneInsightSpec insight) {
    List<DiscoverySubscription> subs = insight.subscriptions();
    for (int i = subs.size() - 1; i >= 0; i--) {
      DiscoverySubscription s = subs.get(i);
      if (s != null
          && s.connected()
          && s.controlPlaneInstanceId() != null
          && !s.controlPlaneInstanceId().isBlank()) {
        return Optional.of(s.controlPlaneInstanceId());
      }
    }
    return Optional.empty();
  }
}

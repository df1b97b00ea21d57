package io.meshfed.zone.xds;

import io.meshfed.model.spec.DiscoveryServiceStats;
import io.meshfed.model.spec.DiscoverySubscription;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * One xDS stream of one proxy, as an immutable value replaced on every request and response:
 * counters per resource type, the last response sent per type (to time its ACK) and when the stream
 * opened and closed.
 */
record Subscription(
    String id,
    String controlPlaneInstanceId,
    ProxyId proxy,
    String envoyVersion,
    Instant connectTime,
    Instant disconnectTime,
    Map<String, DiscoveryServiceStats> byType,
    Map<String, Sent> lastSent) {

  /** A response sent on this stream: its nonce, version and when. */
  record Sent(String nonce, String version, Instant at) {}

  Subscription {
    byType = Map.copyOf(byType);
    lastSent = Map.copyOf(lastSent);
  }

  static Subscription open(
      String id, String instanceId, ProxyId proxy, String envoyVersion, Instant now) {
    return new Subscription(id, instanceId, proxy, envoyVersion, now, null, Map.of(), Map.of());
  }

  Subscription sent(String typeUrl, String nonce, String version, Instant at) {
    Map<String, DiscoveryServiceStats> stats = new HashMap<>(byType);
    stats.merge(typeUrl, DiscoveryServiceStats.ZERO.plusSent(1), (a, b) -> a.plusSent(1));
    Map<String, Sent> sentMap = new HashMap<>(lastSent);
    sentMap.put(typeUrl, new Sent(nonce, version, at));
    return new Subscription(
        id,
        controlPlaneInstanceId,
        proxy,
        envoyVersion,
        connectTime,
        disconnectTime,
        stats,
        sentMap);
  }

  /** An ACK of the response with {@code nonce}; the latency is known when it was the last sent. */
  Subscription acked(String typeUrl, String nonce, String version, Instant at) {
    Sent sent = lastSent.get(typeUrl);
    double latency =
        sent != null && sent.nonce().equals(nonce)
            ? Duration.between(sent.at(), at).toNanos() / 1e9
            : 0.0;
    Map<String, DiscoveryServiceStats> stats = new HashMap<>(byType);
    stats.put(
        typeUrl,
        stats.getOrDefault(typeUrl, DiscoveryServiceStats.ZERO).acknowledged(version, at, latency));
    return new Subscription(
        id,
        controlPlaneInstanceId,
        proxy,
        envoyVersion,
        connectTime,
        disconnectTime,
        stats,
        lastSent);
  }

  Subscription rejected(String typeUrl) {
    Map<String, DiscoveryServiceStats> stats = new HashMap<>(byType);
    stats.put(typeUrl, stats.getOrDefault(typeUrl, DiscoveryServiceStats.ZERO).plusRejected(1));
    return new Subscription(
        id,
        controlPlaneInstanceId,
        proxy,
        envoyVersion,
        connectTime,
        disconnectTime,
        stats,
        lastSent);
  }

  Subscription closed(Instant at) {
    return new Subscription(
        id, controlPlaneInstanceId, proxy, envoyVersion, connectTime, at, byType, lastSent);
  }

  /** True when every type sent on this stream has its last response acknowledged. */
  boolean allAcked() {
    for (Map.Entry<String, Sent> e : lastSent.entrySet()) {
      DiscoveryServiceStats s = byType.get(e.getKey());
      if (s == null || !e.getValue().version().equals(s.lastAckedVersion())) {
        return false;
      }
    }
    return true;
  }

  /** The last version Envoy acknowledged for {@code typeUrl}, or null. */
  String ackedVersion(String typeUrl) {
    DiscoveryServiceStats s = byType.get(typeUrl);
    return s == null ? null : s.lastAckedVersion();
  }

  /** As reported in {@code DataplaneInsight.subscriptions[]}. */
  DiscoverySubscription toInsight() {
    DiscoveryServiceStats total = DiscoveryServiceStats.ZERO;
    Instant lastUpdate = connectTime;
    for (DiscoveryServiceStats s : byType.values()) {
      total =
          new DiscoveryServiceStats(
              total.responsesSent() + n(s.responsesSent()),
              total.responsesAcknowledged() + n(s.responsesAcknowledged()),
              total.responsesRejected() + n(s.responsesRejected()));
      if (s.lastAckTime() != null && s.lastAckTime().isAfter(lastUpdate)) {
        lastUpdate = s.lastAckTime();
      }
    }
    return new DiscoverySubscription(
        id,
        controlPlaneInstanceId,
        connectTime,
        disconnectTime,
        new DiscoverySubscription.Status(
            lastUpdate,
            total,
            byType.get(XdsTypes.CLUSTER),
            byType.get(XdsTypes.ENDPOINT),
            byType.get(XdsTypes.LISTENER),
            byType.get(XdsTypes.ROUTE)),
        new DiscoverySubscription.Version(
            null,
            envoyVersion == null
                ? null
                : new DiscoverySubscription.EnvoyVersion(envoyVersion, null, null),
            null),
        null);
  }

  private static long n(Long v) {
    return v == null ? 0 : v;
  }
}

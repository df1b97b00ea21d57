package io.meshfed.zone.xds;

import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.meshfed.xds.ProxyConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Make before break: a cluster a proxy's new config no longer has stays in what is published for
 * {@code hold} more, with its endpoints.
 *
 * <p>Envoy applies an ADS update type by type, clusters first. A route change that replaces
 * clusters (a TrafficRoute split: {@code backend} gives way to its subsets) would otherwise remove
 * the old cluster one update before the listener and route that stop naming it arrive, and a
 * request in between gets a 503 {@code no_cluster}. Keeping the old cluster until the routes have
 * moved is what Envoy's xDS protocol guide asks of a server. A kept cluster no route names carries
 * no traffic.
 *
 * <p>Pure apart from its per-proxy memory; time comes from {@code clock}. Confinement: not
 * thread-safe, used from the build executor only.
 */
final class ClusterDrain {
  /**
   * How long a dropped cluster stays, by default: far more than Envoy needs to apply one update.
   */
  static final Duration DEFAULT_HOLD = Duration.ofSeconds(5);

  /**
   * What to publish, and when to build the proxy again to drop what is kept: empty when nothing is
   * kept, or when a rebuild asked for earlier is still to come no later than that.
   */
  record Drained(ProxyConfig config, Optional<Instant> rebuildAt) {}

  private record Kept(Cluster cluster, ClusterLoadAssignment endpoints, Instant until) {}

  /** What was last published for a proxy: its clusters and their endpoints, by cluster name. */
  private record Published(
      Map<String, Cluster> clusters, Map<String, ClusterLoadAssignment> endpoints) {}

  private final Clock clock;
  private final Duration hold;
  private final Map<ProxyId, Published> published = new HashMap<>();
  private final Map<ProxyId, Map<String, Kept>> kept = new HashMap<>();
  // the rebuild each proxy was last told to schedule, until it is due: one pending is enough
  private final Map<ProxyId, Instant> pending = new HashMap<>();

  ClusterDrain(Clock clock, Duration hold) {
    this.clock = clock;
    this.hold = hold;
  }

  /**
   * {@code config} plus the clusters {@code proxy} had and {@code config} dropped less than {@code
   * hold} ago. Call it with every config about to be published, and call {@link #published} once it
   * was. A proxy published often while clusters are kept gets one pending rebuild, not one per
   * publish: {@link Drained#rebuildAt} is set only when no rebuild asked for earlier is still to
   * come by then.
   */
  Drained apply(ProxyId proxy, ProxyConfig config) {
    Instant now = clock.instant();
    Instant due = pending.get(proxy);
    if (due != null && !due.isAfter(now)) {
      // that rebuild is running (or about to): a later one is this call's to ask for
      pending.remove(proxy);
    }
    Set<String> wanted =
        config.clusters().stream().map(Cluster::getName).collect(Collectors.toSet());
    Map<String, Kept> previous = kept.getOrDefault(proxy, Map.of());
    Map<String, Kept> keep = new LinkedHashMap<>();
    // still dropped and not yet due: kept on; back in the config or due: gone for good
    previous.forEach(
        (name, k) -> {
          if (!wanted.contains(name) && k.until().isAfter(now)) {
            keep.put(name, k);
          }
        });
    Published before = published.get(proxy);
    if (before != null) {
      before
          .clusters()
          .forEach(
              (name, cluster) -> {
                if (!wanted.contains(name) && !previous.containsKey(name)) {
                  keep.put(name, new Kept(cluster, before.endpoints().get(name), now.plus(hold)));
                }
              });
    }
    if (keep.isEmpty()) {
      kept.remove(proxy);
      return new Drained(config, Optional.empty());
    }
    kept.put(proxy, keep);
    List<Cluster> clusters = new ArrayList<>(config.clusters());
    List<ClusterLoadAssignment> endpoints = new ArrayList<>(config.endpoints());
    Set<String> withEndpoints =
        config.endpoints().stream()
            .map(ClusterLoadAssignment::getClusterName)
            .collect(Collectors.toSet());
    for (Kept k : keep.values()) {
      clusters.add(k.cluster());
      if (k.endpoints() != null && !withEndpoints.contains(k.cluster().getName())) {
        endpoints.add(k.endpoints());
      }
    }
    Instant first = keep.values().stream().map(Kept::until).min(Instant::compareTo).orElseThrow();
    Instant scheduled = pending.get(proxy);
    Optional<Instant> rebuildAt = Optional.empty();
    if (scheduled == null || scheduled.isAfter(first)) {
      pending.put(proxy, first);
      rebuildAt = Optional.of(first);
    }
    return new Drained(
        new ProxyConfig(clusters, endpoints, config.listeners(), config.routes(), config.secrets()),
        rebuildAt);
  }

  /** The drain's time. */
  Instant now() {
    return clock.instant();
  }

  /**
   * Remembers what {@code proxy} was sent: the snapshot published from the config {@link #apply}
   * returned (its own maps are kept, holding the instances shared with other proxies).
   */
  void published(ProxyId proxy, Snapshot sent) {
    published.put(proxy, new Published(sent.clusters().resources(), sent.endpoints().resources()));
  }

  /**
   * The rebuild a {@link Drained#rebuildAt} asked for is running now: whatever its clock says, the
   * next {@link #apply} asks for another one if clusters are still kept.
   */
  void rebuildRunning(ProxyId proxy) {
    pending.remove(proxy);
  }

  /** Forgets {@code proxy} (its last stream closed: a new one starts from its config alone). */
  void forget(ProxyId proxy) {
    published.remove(proxy);
    kept.remove(proxy);
    pending.remove(proxy);
  }
}

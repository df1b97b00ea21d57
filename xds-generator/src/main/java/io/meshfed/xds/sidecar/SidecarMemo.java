package io.meshfed.xds.sidecar;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.SourcesDestinations;
import io.meshfed.model.spec.TrafficRouteSpec;
import io.meshfed.xds.MeshState;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The parts of sidecar configs that {@link SidecarGenerator} builds once per {@link MeshState} and
 * hands to every proxy of the mesh that asks with the same inputs, instead of building equal protos
 * again for each one. Each part is a pure function of the mesh state and the key it is kept under:
 *
 * <ul>
 *   <li>an outbound's listener and clusters: the outbound (address, port, tags) and the proxy's
 *       inbound tag sets (they choose the TrafficRoute and the connection policies);
 *   <li>an outbound cluster: its {@link ClusterKey}, the load balancer of the route that uses it
 *       and the proxy's inbound tag sets (the connection policies);
 *   <li>a cluster's endpoints: its {@link ClusterKey}.
 * </ul>
 *
 * The inbound tag sets enter a key only through the tags that some source selector of the mesh's
 * TrafficRoutes and connection policies names ({@link #sourceTags}): a tag no such selector names
 * cannot change which one matches (see {@link Selectors#matches}), so proxies that differ only by
 * such a tag (a version, an instance name) share their outbounds. While the mesh has a policy that
 * reads the source tags of requests ({@link InboundHttpPolicies#sourceTagsRead}: outbound routes
 * then carry the proxy's tags), the whole tag sets are the key.
 *
 * <p>A proxy of the same service as another with the same outbounds therefore gets the very objects
 * the other got. A memo belongs to one state: the next state (a changed view) needs a new one.
 *
 * <p>Thread-safe: concurrent maps; a part two builds ask for at once may be built twice, and the
 * first one kept wins.
 */
public final class SidecarMemo {
  private final MeshState state;
  private final Map<OutboundInputs, Outbounds.Result> outbounds = new ConcurrentHashMap<>();
  private final Map<ClusterInputs, Cluster> clusters = new ConcurrentHashMap<>();
  private final Map<ClusterKey, ClusterLoadAssignment> endpoints = new ConcurrentHashMap<>();

  private record OutboundInputs(
      DataplaneSpec.Outbound outbound, List<Map<String, String>> inboundTagSets) {}

  private record ClusterInputs(
      ClusterKey key,
      TrafficRouteSpec.LoadBalancer loadBalancer,
      List<Map<String, String>> inboundTagSets) {}

  // the tag keys that the source selectors of routes and connection policies name; null while
  // the source tags are read whole (see sourceTags)
  private final Set<String> sourceKeys;

  private SidecarMemo(MeshState state) {
    this.state = Objects.requireNonNull(state, "state");
    this.sourceKeys = InboundHttpPolicies.sourceTagsRead(state) ? null : sourceKeys(state);
  }

  private static Set<String> sourceKeys(MeshState state) {
    Set<String> keys = new HashSet<>();
    Stream.concat(
            state.trafficRoutes().stream(),
            OutboundPolicies.TYPES.stream().flatMap(t -> state.policies(t).stream()))
        .forEach(
            policy -> {
              if (policy.spec() instanceof SourcesDestinations sd) {
                sd.sources().stream()
                    .filter(Objects::nonNull)
                    .forEach(source -> keys.addAll(source.match().keySet()));
              }
            });
    return Set.copyOf(keys);
  }

  /** An empty memo for the sidecars of {@code state}. */
  public static SidecarMemo of(MeshState state) {
    return new SidecarMemo(state);
  }

  /** The state this memo belongs to. */
  public MeshState state() {
    return state;
  }

  /** How many parts it holds (for tests). */
  int size() {
    return outbounds.size() + clusters.size() + endpoints.size();
  }

  Outbounds.Result outbound(
      DataplaneSpec.Outbound out,
      List<Map<String, String>> inboundTagSets,
      Supplier<Outbounds.Result> build) {
    return remember(outbounds, new OutboundInputs(out, sourceTags(inboundTagSets)), build);
  }

  Cluster cluster(
      ClusterKey key,
      TrafficRouteSpec.LoadBalancer loadBalancer,
      List<Map<String, String>> inboundTagSets,
      Supplier<Cluster> build) {
    return remember(
        clusters, new ClusterInputs(key, loadBalancer, sourceTags(inboundTagSets)), build);
  }

  ClusterLoadAssignment endpoints(ClusterKey key, Supplier<ClusterLoadAssignment> build) {
    return remember(endpoints, key, build);
  }

  /**
   * What of a proxy's inbound tag sets can change which route or connection policy applies to its
   * outbounds: each set narrowed to the tags that a source selector names (all of it while source
   * tags are read whole).
   */
  List<Map<String, String>> sourceTags(List<Map<String, String>> inboundTagSets) {
    if (sourceKeys == null) {
      return inboundTagSets;
    }
    List<Map<String, String>> narrowed = new ArrayList<>(inboundTagSets.size());
    for (Map<String, String> tags : inboundTagSets) {
      Map<String, String> kept = new TreeMap<>();
      tags.forEach(
          (k, v) -> {
            if (sourceKeys.contains(k)) {
              kept.put(k, v);
            }
          });
      narrowed.add(kept);
    }
    return narrowed;
  }

  /** Built outside the map's lock, so that a failing build stores nothing and blocks nobody. */
  private static <K, V> V remember(Map<K, V> memo, K key, Supplier<V> build) {
    V known = memo.get(key);
    if (known != null) {
      return known;
    }
    V built = build.get();
    V raced = memo.putIfAbsent(key, built);
    return raced == null ? built : raced;
  }
}

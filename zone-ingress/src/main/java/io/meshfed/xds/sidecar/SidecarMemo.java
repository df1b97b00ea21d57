package io.meshfed.xds.sidecar;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.TrafficRouteSpec;
import io.meshfed.xds.MeshState;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

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
 * A proxy of the same service as another with the same outbounds therefore gets the very objects
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

  private SidecarMemo(MeshState state) {
    this.state = Objects.requireNonNull(state, "state");
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
    return remember(outbounds, new OutboundInputs(out, inboundTagSets), build);
  }

  Cluster cluster(
      ClusterKey key,
      TrafficRouteSpec.LoadBalancer loadBalancer,
      List<Map<String, String>> inboundTagSets,
      Supplier<Cluster> build) {
    return remember(clusters, new ClusterInputs(key, loadBalancer, inboundTagSets), build);
  }

  ClusterLoadAssignment endpoints(ClusterKey key, Supplier<ClusterLoadAssignment> build) {
    return remember(endpoints, key, build);
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

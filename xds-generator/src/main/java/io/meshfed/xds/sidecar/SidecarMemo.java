package io.meshfed.xds.sidecar;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.SourcesDestinations;
import io.meshfed.model.spec.TrafficRouteSpec;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.Protocol;
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
 *   <li>a cluster's endpoints: its {@link ClusterKey};
 *   <li>an inbound's local cluster: the application's address, port and protocol;
 *   <li>an inbound's listener and route: the inbound, its address and tags.
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
 * the other got. A memo belongs to one state: the next state (a changed view) needs a new one,
 * which may start from the memo of the state before ({@link #after}): it takes from there the parts
 * whose inputs did not change, so a proxy gets the very objects it got before for the parts that a
 * change does not touch (its consumers then tell them unchanged by identity).
 *
 * <p>Thread-safe: concurrent maps; a part two builds ask for at once may be built twice, and the
 * first one kept wins.
 */
public final class SidecarMemo {
  private final MeshState state;
  private final Map<OutboundInputs, Outbounds.Result> outbounds = new ConcurrentHashMap<>();
  private final Map<ClusterInputs, Cluster> clusters = new ConcurrentHashMap<>();
  private final Map<ClusterKey, ClusterLoadAssignment> endpoints = new ConcurrentHashMap<>();
  private final Map<LocalInputs, Cluster> localClusters = new ConcurrentHashMap<>();
  private final Map<InboundInputs, Inbounds.Result> inbounds = new ConcurrentHashMap<>();
  // the parts of the memo of the state before that hold for this state too; only read
  private final Carried carried;

  private record OutboundInputs(
      DataplaneSpec.Outbound outbound, List<Map<String, String>> inboundTagSets) {}

  // the protocol is the service's as the dataplanes of the state declare it
  private record ClusterInputs(
      ClusterKey key,
      TrafficRouteSpec.LoadBalancer loadBalancer,
      Protocol protocol,
      List<Map<String, String>> inboundTagSets) {}

  private record LocalInputs(String serviceAddress, int servicePort, Protocol protocol) {}

  // an inbound's tags are its own in the state's zone (the same zone in every state a memo takes
  // parts over from), so the inbound stands for them
  private record InboundInputs(DataplaneSpec.Inbound inbound, String address, String cluster) {}

  /** What a memo takes over from the memo of the state before. */
  private record Carried(
      Map<ClusterInputs, Cluster> clusters,
      Map<LocalInputs, Cluster> localClusters,
      Map<InboundInputs, Inbounds.Result> inbounds) {
    static final Carried NOTHING = new Carried(Map.of(), Map.of(), Map.of());
  }

  // the tag keys that the source selectors of routes and connection policies name; null while
  // the source tags are read whole (see sourceTags)
  private final Set<String> sourceKeys;

  private SidecarMemo(MeshState state, SidecarMemo before) {
    this.state = Objects.requireNonNull(state, "state");
    this.sourceKeys = InboundHttpPolicies.sourceTagsRead(state) ? null : sourceKeys(state);
    if (before == null) {
      this.carried = Carried.NOTHING;
    } else if (sameInputsBesideRoutesAndDataplanes(before)) {
      this.carried = new Carried(before.clusters, before.localClusters, before.inbounds);
    } else {
      this.carried = new Carried(Map.of(), before.localClusters, Map.of());
    }
  }

  /**
   * True when what the clusters and inbound parts read from a state besides the dataplanes (which
   * their keys carry) is the same in {@code before}'s state as in this one: the zone, the mesh, the
   * TrafficPermissions, the policies other than TrafficRoutes, and the tags the keys are narrowed
   * to. The routes only reach a cluster through its key and load balancer, which are its inputs.
   */
  private boolean sameInputsBesideRoutesAndDataplanes(SidecarMemo before) {
    MeshState old = before.state;
    return old.zone().equals(state.zone())
        && old.mesh().equals(state.mesh())
        && old.trafficPermissions().equals(state.trafficPermissions())
        && old.policies().equals(state.policies())
        && Objects.equals(before.sourceKeys, sourceKeys);
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
    return new SidecarMemo(state, null);
  }

  /**
   * An empty memo for the sidecars of {@code state} that takes from {@code before} (the memo of an
   * earlier state of the mesh) the parts whose inputs are the same in both states: the local
   * clusters always; the outbound clusters and the inbound listeners and routes when the mesh, the
   * TrafficPermissions and the policies other than TrafficRoutes are equal. It keeps only what
   * {@code before} built or took itself, not what {@code before} could have taken.
   */
  public static SidecarMemo after(SidecarMemo before, MeshState state) {
    return new SidecarMemo(state, Objects.requireNonNull(before, "before"));
  }

  /** The state this memo belongs to. */
  public MeshState state() {
    return state;
  }

  /** How many parts it holds (for tests). */
  int size() {
    return outbounds.size()
        + clusters.size()
        + endpoints.size()
        + localClusters.size()
        + inbounds.size();
  }

  Outbounds.Result outbound(
      DataplaneSpec.Outbound out,
      List<Map<String, String>> inboundTagSets,
      Supplier<Outbounds.Result> build) {
    return remember(
        outbounds, new OutboundInputs(out, sourceTags(inboundTagSets)), Map.of(), build);
  }

  Cluster cluster(
      ClusterKey key,
      TrafficRouteSpec.LoadBalancer loadBalancer,
      List<Map<String, String>> inboundTagSets,
      Supplier<Cluster> build) {
    ClusterInputs inputs =
        new ClusterInputs(
            key, loadBalancer, state.index().protocol(key.service()), sourceTags(inboundTagSets));
    return remember(clusters, inputs, carried.clusters(), build);
  }

  ClusterLoadAssignment endpoints(ClusterKey key, Supplier<ClusterLoadAssignment> build) {
    return remember(endpoints, key, Map.of(), build);
  }

  /** The local cluster of {@code in} ({@link Inbounds#localCluster}). */
  Cluster localCluster(DataplaneSpec.Inbound in, Supplier<Cluster> build) {
    LocalInputs inputs =
        new LocalInputs(in.serviceAddress(), Inbounds.servicePort(in), Inbounds.protocol(in));
    return remember(localClusters, inputs, carried.localClusters(), build);
  }

  /**
   * The listener and route of {@code in} at {@code address}, with its tags in the state's zone, to
   * the local {@code cluster} ({@link Inbounds#build}).
   */
  Inbounds.Result inbound(
      DataplaneSpec.Inbound in, String address, String cluster, Supplier<Inbounds.Result> build) {
    return remember(inbounds, new InboundInputs(in, address, cluster), carried.inbounds(), build);
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

  /**
   * Taken from {@code carried} or built outside the map's lock, so that a failing build stores
   * nothing and blocks nobody.
   */
  private static <K, V> V remember(Map<K, V> memo, K key, Map<K, V> carried, Supplier<V> build) {
    V known = memo.get(key);
    if (known != null) {
      return known;
    }
    V built = carried.get(key);
    if (built == null) {
      built = build.get();
    }
    V raced = memo.putIfAbsent(key, built);
    return raced == null ? built : raced;
  }
}

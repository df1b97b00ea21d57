package io.meshfed.zone.xds;

import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.Resources.ResourceType;
import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import io.envoyproxy.controlplane.cache.SnapshotResources;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * A snapshot made of parts that other proxies' snapshots may hold too ({@link
 * SharedResources#part}): java-control-plane's {@code Snapshot.create} builds every part anew, with
 * a new versioned wrapper and version string for each resource. It reads the same as one made by
 * {@code Snapshot.create} from the same resources and type versions. Immutable.
 */
@SuppressWarnings("unchecked") // the raw return type of versionedResources, see there
final class SharedSnapshot extends Snapshot {
  private final SnapshotResources<Cluster> clusters;
  private final SnapshotResources<ClusterLoadAssignment> endpoints;
  private final SnapshotResources<Listener> listeners;
  private final SnapshotResources<RouteConfiguration> routes;
  private final SnapshotResources<Secret> secrets;

  SharedSnapshot(
      SnapshotResources<Cluster> clusters,
      SnapshotResources<ClusterLoadAssignment> endpoints,
      SnapshotResources<Listener> listeners,
      SnapshotResources<RouteConfiguration> routes,
      SnapshotResources<Secret> secrets) {
    this.clusters = Objects.requireNonNull(clusters, "clusters");
    this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
    this.listeners = Objects.requireNonNull(listeners, "listeners");
    this.routes = Objects.requireNonNull(routes, "routes");
    this.secrets = Objects.requireNonNull(secrets, "secrets");
  }

  @Override
  public SnapshotResources<Cluster> clusters() {
    return clusters;
  }

  @Override
  public SnapshotResources<ClusterLoadAssignment> endpoints() {
    return endpoints;
  }

  @Override
  public SnapshotResources<Listener> listeners() {
    return listeners;
  }

  @Override
  public SnapshotResources<RouteConfiguration> routes() {
    return routes;
  }

  @Override
  public SnapshotResources<Secret> secrets() {
    return secrets;
  }

  /**
   * The check of {@link #ensureConsistent()} (every EDS name a cluster refers to has its endpoints
   * and every route a listener refers to is there, and nothing else is), with the names each
   * resource refers to given by {@code referencesOf} ({@link SharedResources#references}, read once
   * per shared resource) instead of read again out of every resource of every snapshot.
   */
  void ensureConsistent(Function<Message, Set<String>> referencesOf)
      throws SnapshotConsistencyException {
    ensureAllResourceNamesExist(
        XdsTypes.CLUSTER,
        XdsTypes.ENDPOINT,
        references(clusters, referencesOf),
        endpoints.versionedResources());
    ensureAllResourceNamesExist(
        XdsTypes.LISTENER,
        XdsTypes.ROUTE,
        references(listeners, referencesOf),
        routes.versionedResources());
  }

  private static Set<String> references(
      SnapshotResources<? extends Message> part, Function<Message, Set<String>> referencesOf) {
    Set<String> names = new HashSet<>();
    for (Message resource : part.resources().values()) {
      names.addAll(referencesOf.apply(resource));
    }
    return names;
  }

  /**
   * As {@link Snapshot}'s own, declared again: java-control-plane's two declarations of it differ
   * in their generic return types, which an implementation outside its package must reconcile.
   */
  @Override
  @SuppressWarnings("rawtypes")
  public Map versionedResources(ResourceType resourceType) {
    return super.versionedResources(resourceType);
  }

  @Override
  public String toString() {
    return "SharedSnapshot{clusters="
        + clusters.version()
        + ", endpoints="
        + endpoints.version()
        + ", listeners="
        + listeners.version()
        + ", routes="
        + routes.version()
        + ", secrets="
        + secrets.version()
        + "}";
  }
}

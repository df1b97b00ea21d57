package io.meshfed.zone.xds;

import io.envoyproxy.controlplane.cache.Resources.ResourceType;
import io.envoyproxy.controlplane.cache.SnapshotResources;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.Map;
import java.util.Objects;

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

package io.meshfed.xds;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * The whole Envoy config of one proxy, as xDS resources, sorted by name so that equal inputs give
 * equal output. Clusters (CDS), their endpoints (EDS), listeners (LDS), route configurations (RDS)
 * and secrets (SDS); all delivered over one ADS stream.
 */
public record ProxyConfig(
    List<Cluster> clusters,
    List<ClusterLoadAssignment> endpoints,
    List<Listener> listeners,
    List<RouteConfiguration> routes,
    List<Secret> secrets) {

  public ProxyConfig {
    clusters = sorted(clusters, Cluster::getName);
    endpoints = sorted(endpoints, ClusterLoadAssignment::getClusterName);
    listeners = sorted(listeners, Listener::getName);
    routes = sorted(routes, RouteConfiguration::getName);
    secrets = sorted(secrets, Secret::getName);
  }

  public static ProxyConfig empty() {
    return new ProxyConfig(List.of(), List.of(), List.of(), List.of(), List.of());
  }

  /** Every resource, in xDS apply order (clusters, endpoints, listeners, routes, secrets). */
  public List<Message> all() {
    List<Message> all = new ArrayList<>();
    all.addAll(clusters);
    all.addAll(endpoints);
    all.addAll(listeners);
    all.addAll(routes);
    all.addAll(secrets);
    return all;
  }

  private static <T> List<T> sorted(List<T> in, Function<T, String> name) {
    List<T> copy = new ArrayList<>(in);
    copy.sort(Comparator.comparing(name));
    return List.copyOf(copy);
  }
}

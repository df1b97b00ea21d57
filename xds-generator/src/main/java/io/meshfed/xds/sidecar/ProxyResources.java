package io.meshfed.xds.sidecar;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.meshfed.xds.ProxyConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The resources of one sidecar while a ProxyTemplate is applied to them: clusters, listeners and
 * RDS route configurations by name, each with its origin, and the tags of each generated listener.
 * A step works on a {@link #copy()} and the copy replaces the original only when the step succeeds.
 * Confined to the thread that applies the template.
 */
final class ProxyResources {
  /** The origin of what a template adds (Kuma's name for it; no match selects it by origin). */
  static final String TEMPLATE_ORIGIN = "proxy-template";

  static final String INBOUND = "inbound";
  static final String OUTBOUND = "outbound";

  final Map<String, Cluster> clusters;
  final Map<String, Listener> listeners;
  final Map<String, RouteConfiguration> routes;
  final Map<String, String> clusterOrigins;
  final Map<String, String> listenerOrigins;
  final Map<String, String> routeOrigins;
  final Map<String, Map<String, String>> listenerTags;
  private final ProxyConfig base;

  private ProxyResources(ProxyResources from) {
    this.base = from.base;
    this.clusters = new LinkedHashMap<>(from.clusters);
    this.listeners = new LinkedHashMap<>(from.listeners);
    this.routes = new LinkedHashMap<>(from.routes);
    this.clusterOrigins = new LinkedHashMap<>(from.clusterOrigins);
    this.listenerOrigins = new LinkedHashMap<>(from.listenerOrigins);
    this.routeOrigins = new LinkedHashMap<>(from.routeOrigins);
    this.listenerTags = from.listenerTags;
  }

  private ProxyResources(ProxyConfig base, Map<String, Map<String, String>> listenerTags) {
    this.base = base;
    this.clusters = new LinkedHashMap<>();
    this.listeners = new LinkedHashMap<>();
    this.routes = new LinkedHashMap<>();
    this.clusterOrigins = new LinkedHashMap<>();
    this.listenerOrigins = new LinkedHashMap<>();
    this.routeOrigins = new LinkedHashMap<>();
    this.listenerTags = Map.copyOf(listenerTags);
    for (Cluster c : base.clusters()) {
      clusters.put(c.getName(), c);
      // the generator names an inbound's local cluster localhost:<servicePort>
      clusterOrigins.put(c.getName(), c.getName().startsWith("localhost:") ? INBOUND : OUTBOUND);
    }
    for (Listener l : base.listeners()) {
      listeners.put(l.getName(), l);
      listenerOrigins.put(l.getName(), originOfName(l.getName()));
    }
    for (RouteConfiguration r : base.routes()) {
      routes.put(r.getName(), r);
      routeOrigins.put(r.getName(), originOfName(r.getName()));
    }
  }

  /** The generated config, with the tags of its listeners by listener name. */
  static ProxyResources of(ProxyConfig generated, Map<String, Map<String, String>> listenerTags) {
    return new ProxyResources(generated, listenerTags);
  }

  ProxyResources copy() {
    return new ProxyResources(this);
  }

  /** The endpoints meshfed generated for {@code cluster}, if any. */
  boolean hasEndpoints(String cluster) {
    return base.endpoints().stream().anyMatch(e -> e.getClusterName().equals(cluster));
  }

  /**
   * The config to send: these resources, the generated endpoints of the EDS clusters still here,
   * the route configurations a listener still refers to, and the generated secrets.
   */
  ProxyConfig toConfig(Set<String> referencedRoutes) {
    List<ClusterLoadAssignment> endpoints = new ArrayList<>();
    for (ClusterLoadAssignment e : base.endpoints()) {
      Cluster c = clusters.get(e.getClusterName());
      if (c != null && c.getType() == Cluster.DiscoveryType.EDS) {
        endpoints.add(e);
      }
    }
    List<RouteConfiguration> kept =
        routes.values().stream().filter(r -> referencedRoutes.contains(r.getName())).toList();
    return new ProxyConfig(
        List.copyOf(clusters.values()),
        endpoints,
        List.copyOf(listeners.values()),
        kept,
        base.secrets());
  }

  private static String originOfName(String name) {
    return name.startsWith("inbound:") ? INBOUND : OUTBOUND;
  }
}

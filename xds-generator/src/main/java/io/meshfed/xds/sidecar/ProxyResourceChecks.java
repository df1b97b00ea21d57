package io.meshfed.xds.sidecar;

import com.google.protobuf.Duration;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.direct_response.v3.Config;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.meshfed.xds.EnvoyJson;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What Envoy (or the zone's snapshot check before it) would refuse in a sidecar's resources, found
 * before they are sent, so that a bad ProxyTemplate step is skipped instead of NACKed. Not all of
 * Envoy's validation: the mistakes a template can make that we can see without Envoy.
 *
 * <ul>
 *   <li>every {@code typed_config} is a type meshfed knows (see {@link EnvoyJson}); every resource
 *       has a name; no two listeners share an address and port;
 *   <li>a cluster's {@code connect_timeout}, when set, is positive; an EDS cluster has endpoints
 *       from meshfed (a template cannot bring EDS endpoints: use STATIC with {@code
 *       load_assignment});
 *   <li>a listener has an address and a filter chain; each chain ends with its only terminal filter
 *       (tcp_proxy, http_connection_manager or direct_response); an HTTP connection manager has a
 *       route configuration (inline, or over RDS one the proxy has, under the filter name the
 *       snapshot check reads) and ends its HTTP filters with the router, only there;
 *   <li>a route configuration has unique virtual host names and domains; an inline one routes to
 *       clusters the proxy has.
 * </ul>
 */
final class ProxyResourceChecks {
  private static final Set<String> TERMINAL_NETWORK =
      Set.of(
          TcpProxy.getDescriptor().getFullName(),
          HttpConnectionManager.getDescriptor().getFullName(),
          Config.getDescriptor().getFullName());
  private static final String ROUTER = Router.getDescriptor().getFullName();

  private ProxyResourceChecks() {}

  /** The first problem found, or empty. */
  static Optional<String> firstProblem(ProxyResources r) {
    return firstProblem(r, null);
  }

  /**
   * The first problem found, or empty; the typed configs of resources {@code before} holds as the
   * same objects are not looked at again.
   */
  static Optional<String> firstProblem(ProxyResources r, ProxyResources before) {
    try {
      check(r, before);
      return Optional.empty();
    } catch (IllegalArgumentException | IllegalStateException e) {
      return Optional.of(e.getMessage());
    }
  }

  /**
   * The RDS route configurations the listeners refer to, as the zone's snapshot check sees them.
   */
  static Set<String> referencedRoutes(ProxyResources r) {
    Set<String> names = new LinkedHashSet<>();
    for (Listener l : r.listeners.values()) {
      for (FilterChain chain : chains(l)) {
        for (Filter f : chain.getFiltersList()) {
          if (TemplateModifications.isHcm(f) && f.getName().equals(Xds.HTTP_CONNECTION_MANAGER)) {
            HttpConnectionManager h = TemplateModifications.hcm(f);
            if (h.hasRds()) {
              names.add(h.getRds().getRouteConfigName());
            }
          }
        }
      }
    }
    return names;
  }

  private static void check(ProxyResources r, ProxyResources before) {
    for (Cluster c : r.clusters.values()) {
      String where = "cluster '" + c.getName() + "'";
      require(!c.getName().isEmpty(), "a cluster has no name");
      if (before == null || before.clusters.get(c.getName()) != c) {
        EnvoyJson.print(c); // every typed config is known
      }
      require(
          !c.hasConnectTimeout() || positive(c.getConnectTimeout()),
          where + ": connect_timeout must be positive");
      require(
          c.getType() != Cluster.DiscoveryType.EDS || r.hasEndpoints(c.getName()),
          where + ": EDS without endpoints from meshfed (use type STATIC with load_assignment)");
    }
    Set<String> addresses = new HashSet<>();
    Set<String> referenced = referencedRoutes(r);
    for (Listener l : r.listeners.values()) {
      String where = "listener '" + l.getName() + "'";
      require(!l.getName().isEmpty(), "a listener has no name");
      if (before == null || before.listeners.get(l.getName()) != l) {
        EnvoyJson.print(l);
      }
      require(l.hasAddress() && l.getAddress().hasSocketAddress(), where + ": no socket address");
      SocketAddress a = l.getAddress().getSocketAddress();
      require(
          addresses.add(a.getAddress() + ":" + a.getPortValue()),
          where + ": address " + a.getAddress() + ":" + a.getPortValue() + " is used twice");
      List<FilterChain> chains = chains(l);
      require(!chains.isEmpty(), where + ": no filter chain");
      for (FilterChain chain : chains) {
        checkChain(r, where, chain);
      }
    }
    for (String name : referenced) {
      require(r.routes.containsKey(name), "route configuration '" + name + "' does not exist");
    }
    for (RouteConfiguration rc : r.routes.values()) {
      checkRoutes(r, rc, false);
    }
  }

  private static void checkChain(ProxyResources r, String where, FilterChain chain) {
    List<Filter> filters = chain.getFiltersList();
    require(!filters.isEmpty(), where + ": a filter chain without filters");
    for (int i = 0; i < filters.size(); i++) {
      Filter f = filters.get(i);
      require(!f.getName().isEmpty(), where + ": a filter has no name");
      boolean terminal = TERMINAL_NETWORK.contains(typeName(f.getTypedConfig().getTypeUrl()));
      boolean last = i == filters.size() - 1;
      require(
          terminal == last,
          where
              + ": filter '"
              + f.getName()
              + (terminal
                  ? "' is terminal and must be the last"
                  : "' is last but not terminal (tcp_proxy, http_connection_manager)"));
      if (TemplateModifications.isHcm(f)) {
        checkHcm(r, where + " filter '" + f.getName() + "'", f);
      }
    }
  }

  private static void checkHcm(ProxyResources r, String where, Filter f) {
    HttpConnectionManager h = TemplateModifications.hcm(f);
    if (h.hasRds()) {
      require(
          f.getName().equals(Xds.HTTP_CONNECTION_MANAGER),
          where
              + ": an RDS reference under a filter name the zone's snapshot check does not read"
              + " (expected name: "
              + Xds.HTTP_CONNECTION_MANAGER
              + ")");
    } else {
      require(h.hasRouteConfig(), where + ": neither rds nor route_config");
      checkRoutes(r, h.getRouteConfig(), true);
    }
    List<HttpFilter> filters = h.getHttpFiltersList();
    require(!filters.isEmpty(), where + ": no HTTP filters");
    for (int i = 0; i < filters.size(); i++) {
      HttpFilter hf = filters.get(i);
      boolean router = ROUTER.equals(typeName(hf.getTypedConfig().getTypeUrl()));
      require(
          router == (i == filters.size() - 1),
          where
              + ": HTTP filter '"
              + hf.getName()
              + (router ? "' is the router and must be the last" : "' is last instead of router"));
    }
  }

  private static void checkRoutes(ProxyResources r, RouteConfiguration rc, boolean inline) {
    String where = "route configuration '" + rc.getName() + "'";
    Set<String> names = new HashSet<>();
    Map<String, String> domains = new HashMap<>();
    for (VirtualHost vh : rc.getVirtualHostsList()) {
      require(!vh.getName().isEmpty(), where + ": a virtual host has no name");
      require(names.add(vh.getName()), where + ": virtual host '" + vh.getName() + "' twice");
      require(
          !vh.getDomainsList().isEmpty(),
          where + ": virtual host '" + vh.getName() + "' has no domains");
      for (String d : vh.getDomainsList()) {
        String other = domains.putIfAbsent(d, vh.getName());
        require(
            other == null,
            where
                + ": domain '"
                + d
                + "' in virtual hosts '"
                + other
                + "' and '"
                + vh.getName()
                + "'");
      }
      if (!inline) {
        continue;
      }
      for (Route route : vh.getRoutesList()) {
        if (!route.hasRoute()) {
          continue;
        }
        String c = route.getRoute().getCluster();
        require(
            c.isEmpty() || r.clusters.containsKey(c),
            where + ": routes to unknown cluster '" + c + "'");
        for (WeightedCluster.ClusterWeight w :
            route.getRoute().getWeightedClusters().getClustersList()) {
          require(
              r.clusters.containsKey(w.getName()),
              where + ": routes to unknown cluster '" + w.getName() + "'");
        }
      }
    }
  }

  private static List<FilterChain> chains(Listener l) {
    return l.hasDefaultFilterChain()
        ? java.util.stream.Stream.concat(
                l.getFilterChainsList().stream(),
                java.util.stream.Stream.of(l.getDefaultFilterChain()))
            .toList()
        : l.getFilterChainsList();
  }

  private static String typeName(String typeUrl) {
    return typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
  }

  private static boolean positive(Duration d) {
    return d.getSeconds() > 0 || (d.getSeconds() == 0 && d.getNanos() > 0);
  }

  private static void require(boolean ok, String problem) {
    if (!ok) {
      throw new IllegalArgumentException(problem);
    }
  }
}

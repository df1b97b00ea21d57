package io.meshfed.xds.sidecar;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.meshfed.model.Resource;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.TrafficRouteSpec;
import io.meshfed.xds.MeshState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One outbound listener, and the clusters it sends to. */
final class Outbounds {
  private static final Logger LOG = LoggerFactory.getLogger(Outbounds.class);
  static final String DEFAULT_ADDRESS = "127.0.0.1";

  private Outbounds() {}

  /**
   * The listener of one outbound and the clusters it references, in first-use order, with the load
   * balancer of the TrafficRoute that picked them (null: round robin).
   */
  record Result(
      Listener listener, Set<ClusterKey> clusters, TrafficRouteSpec.LoadBalancer loadBalancer) {
    Result {
      clusters = Collections.unmodifiableSet(new LinkedHashSet<>(clusters));
    }
  }

  /** Where a route sends traffic: one cluster, or several by weight. */
  private record Action(List<ClusterKey> clusters, List<Integer> weights) {}

  static Result build(
      MeshState state,
      Resource dataplane,
      DataplaneSpec.Outbound out,
      List<Map<String, String>> inboundTagSets,
      OutboundPolicies policies) {
    String service = out.targetService();
    if (service == null || service.isEmpty() || out.port() == null) {
      throw new IllegalArgumentException(
          dataplane.key()
              + ": networking.outbound: "
              + out
              + " (expected a port and a kuma.io/service tag)");
    }
    String address =
        out.address() == null || out.address().isEmpty() ? DEFAULT_ADDRESS : out.address();
    String name = "outbound:" + address + ":" + out.port();
    Optional<Resource> route =
        RouteSelector.select(state.index().trafficRoutes(), inboundTagSets, service);
    TrafficRouteSpec.Conf conf = route.map(r -> r.spec(TrafficRouteSpec.class).conf()).orElse(null);
    TrafficRouteSpec.LoadBalancer lb = conf == null ? null : conf.loadBalancer();
    Action fallback = defaultAction(conf, service);
    Set<ClusterKey> clusters = new LinkedHashSet<>();
    FilterChain.Builder chain = FilterChain.newBuilder();
    if (state.index().http(service)) {
      VirtualHost.Builder vhost = VirtualHost.newBuilder().setName(service).addDomains("*");
      List<TrafficRouteSpec.Http> rules = conf == null ? List.of() : conf.http();
      for (int i = 0; i < rules.size(); i++) {
        TrafficRouteSpec.Http rule = rules.get(i);
        Optional<Action> action =
            rule == null ? Optional.empty() : action(rule.split(), rule.destination(), service);
        if (action.isEmpty()) {
          LOG.debug(
              "{}: TrafficRoute '{}' conf.http[{}] has no destination, skipped",
              dataplane.key(),
              route.get().name(),
              i);
          continue;
        }
        clusters.addAll(action.get().clusters());
        Route.Builder r = Route.newBuilder().setMatch(match(rule.match()));
        RouteAction.Builder ra = routeAction(action.get()).toBuilder();
        RouteModifications.apply(rule.modify(), r, ra);
        LoadBalancers.addHashPolicies(lb, route.get(), ra);
        vhost.addRoutes(r.setRoute(ra));
      }
      clusters.addAll(fallback.clusters());
      RouteAction.Builder fallbackAction = routeAction(fallback).toBuilder();
      route.ifPresent(r -> LoadBalancers.addHashPolicies(lb, r, fallbackAction));
      vhost.addRoutes(
          Route.newBuilder()
              .setMatch(RouteMatch.newBuilder().setPrefix("/"))
              .setRoute(fallbackAction));
      RouteConfiguration.Builder routes =
          RouteConfiguration.newBuilder().setName("outbound:" + service).addVirtualHosts(vhost);
      if (InboundHttpPolicies.sourceTagsRead(state)) {
        SourceTags.set(routes, inboundTagSets);
      }
      HttpConnectionManager.Builder hcm =
          HttpConnectionManager.newBuilder()
              .setStatPrefix(Xds.statPrefix(service))
              .setRouteConfig(routes)
              .addHttpFilters(
                  HttpFilter.newBuilder()
                      .setName(Xds.ROUTER)
                      .setTypedConfig(Xds.pack(Router.getDefaultInstance())));
      HttpRoutePolicies.apply(policies, service, state.index().protocol(service), hcm);
      chain.addFilters(Xds.filter(Xds.HTTP_CONNECTION_MANAGER, hcm.build()));
    } else {
      clusters.addAll(fallback.clusters());
      TcpProxy.Builder tcp = tcpProxy(service, fallback).toBuilder();
      TcpProxyPolicies.apply(policies, service, tcp);
      LoadBalancers.addTcpHashPolicy(lb, tcp);
      chain.addFilters(Xds.filter(Xds.TCP_PROXY, tcp.build()));
    }
    Listener listener =
        Listener.newBuilder()
            .setName(name)
            .setAddress(Xds.address(address, out.port()))
            .setTrafficDirection(TrafficDirection.OUTBOUND)
            .addFilterChains(chain)
            .build();
    return new Result(listener, clusters, lb);
  }

  private static Action defaultAction(TrafficRouteSpec.Conf conf, String service) {
    Optional<Action> configured =
        conf == null ? Optional.empty() : action(conf.split(), conf.destination(), service);
    return configured.orElseGet(
        () -> new Action(List.of(new ClusterKey(service, Map.of())), List.of(1)));
  }

  /** A split (weight-0 entries dropped) or else a destination; empty when neither is usable. */
  private static Optional<Action> action(
      List<TrafficRouteSpec.Split> split, Map<String, String> destination, String service) {
    List<ClusterKey> keys = new ArrayList<>();
    List<Integer> weights = new ArrayList<>();
    for (TrafficRouteSpec.Split s : split) {
      if (s == null || s.weight() == null || s.weight() <= 0) {
        continue;
      }
      ClusterKey key = ClusterKey.ofDestination(s.destination(), service);
      int at = keys.indexOf(key);
      if (at >= 0) {
        weights.set(at, weights.get(at) + s.weight());
      } else {
        keys.add(key);
        weights.add(s.weight());
      }
    }
    if (keys.isEmpty() && !destination.isEmpty()) {
      keys.add(ClusterKey.ofDestination(destination, service));
      weights.add(1);
    }
    return keys.isEmpty() ? Optional.empty() : Optional.of(new Action(keys, weights));
  }

  private static TcpProxy tcpProxy(String service, Action action) {
    TcpProxy.Builder tcp = TcpProxy.newBuilder().setStatPrefix(Xds.statPrefix(service));
    if (action.clusters().size() == 1) {
      return tcp.setCluster(action.clusters().get(0).name()).build();
    }
    TcpProxy.WeightedCluster.Builder weighted = TcpProxy.WeightedCluster.newBuilder();
    for (int i = 0; i < action.clusters().size(); i++) {
      weighted.addClusters(
          TcpProxy.WeightedCluster.ClusterWeight.newBuilder()
              .setName(action.clusters().get(i).name())
              .setWeight(action.weights().get(i)));
    }
    return tcp.setWeightedClusters(weighted).build();
  }

  private static RouteAction routeAction(Action action) {
    RouteAction.Builder route = RouteAction.newBuilder();
    if (action.clusters().size() == 1) {
      return route.setCluster(action.clusters().get(0).name()).build();
    }
    WeightedCluster.Builder weighted = WeightedCluster.newBuilder();
    for (int i = 0; i < action.clusters().size(); i++) {
      weighted.addClusters(
          WeightedCluster.ClusterWeight.newBuilder()
              .setName(action.clusters().get(i).name())
              .setWeight(UInt32Value.of(action.weights().get(i))));
    }
    return route.setWeightedClusters(weighted).build();
  }

  /** Path (prefix, exact or regex; {@code /} prefix when absent), method and headers. */
  private static RouteMatch match(TrafficRouteSpec.HttpMatch m) {
    RouteMatch.Builder match = RouteMatch.newBuilder();
    TrafficRouteSpec.StringMatcher path = m == null ? null : m.path();
    if (path != null && path.exact() != null) {
      match.setPath(path.exact());
    } else if (path != null && path.regex() != null) {
      match.setSafeRegex(RegexMatcher.newBuilder().setRegex(path.regex()));
    } else if (path != null && path.prefix() != null) {
      match.setPrefix(path.prefix());
    } else {
      match.setPrefix("/");
    }
    if (m != null && m.method() != null) {
      match.addHeaders(header(":method", m.method()));
    }
    if (m != null) {
      m.headers().forEach((name, value) -> match.addHeaders(header(name, value)));
    }
    return match.build();
  }

  private static HeaderMatcher header(String name, TrafficRouteSpec.StringMatcher value) {
    HeaderMatcher.Builder header = HeaderMatcher.newBuilder().setName(name);
    if (value.exact() != null) {
      header.setStringMatch(StringMatcher.newBuilder().setExact(value.exact()));
    } else if (value.prefix() != null) {
      header.setStringMatch(StringMatcher.newBuilder().setPrefix(value.prefix()));
    } else if (value.regex() != null) {
      header.setStringMatch(
          StringMatcher.newBuilder()
              .setSafeRegex(RegexMatcher.newBuilder().setRegex(value.regex())));
    } else {
      header.setPresentMatch(true); // an empty matcher: the header is present, any value
    }
    return header.build();
  }
}

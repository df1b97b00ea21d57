package io.meshfed.xds.sidecar;

import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBACPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.meshfed.model.Resource;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.Protocol;
import java.util.Map;
import java.util.Optional;

/**
 * One inbound of a sidecar: the listener in front of the local application, the STATIC cluster to
 * the application, and for an HTTP inbound the route configuration its listener reads over RDS.
 *
 * <p>The inbound's own {@code kuma.io/protocol} tag decides (see {@link Protocol}):
 *
 * <ul>
 *   <li><b>TCP</b>: a {@code tcp_proxy}; with mTLS a network RBAC filter in front of it, evaluated
 *       once per connection.
 *   <li><b>HTTP</b> ({@code http}, {@code http2}, {@code grpc}): an {@code http_connection_manager}
 *       (downstream codec AUTO: HTTP/1.1 or HTTP/2 by the client's preface) whose route
 *       configuration {@code inbound:<addr>:<port>} comes over RDS: one virtual host, {@code /} to
 *       the local cluster, without a route timeout and with Kuma's fixed inbound stream idle and
 *       idle timeouts (see {@link HttpTimeouts}). With mTLS the HTTP RBAC filter sits before the
 *       router; the listener's copy of it denies every request, and the virtual host overrides it
 *       ({@code typed_per_filter_config}) with the inbound's permissions. A permission change thus
 *       changes only the route configuration, which Envoy applies to the next request of every open
 *       connection, without draining the listener; RBAC is evaluated per request. For {@code http2}
 *       and {@code grpc} the local cluster speaks HTTP/2 to the application.
 * </ul>
 *
 * Without mTLS there is no RBAC at all, for TCP and HTTP alike (no peer identity to check). An HTTP
 * inbound also carries the FaultInjection and RateLimit that apply to it ({@link
 * InboundHttpPolicies}); a TCP inbound has no HTTP filters, and those policies do not apply to it.
 */
final class Inbounds {
  static final String HTTP_RBAC = "envoy.filters.http.rbac";

  private Inbounds() {}

  /** The listener of one inbound, and the route configuration it reads when it is HTTP. */
  record Result(Listener listener, Optional<RouteConfiguration> routes) {}

  static Protocol protocol(DataplaneSpec.Inbound in) {
    return Protocol.of(in.tags());
  }

  static int servicePort(DataplaneSpec.Inbound in) {
    return in.servicePort() != null ? in.servicePort() : in.port();
  }

  /** The STATIC cluster {@code localhost:<servicePort>} to the application behind {@code in}. */
  static Cluster localCluster(DataplaneSpec.Inbound in) {
    String host =
        in.serviceAddress() == null || in.serviceAddress().isEmpty()
            ? SidecarGenerator.LOCALHOST
            : in.serviceAddress();
    String name = "localhost:" + servicePort(in);
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setName(name)
            .setType(Cluster.DiscoveryType.STATIC)
            .setConnectTimeout(Durations.fromSeconds(SidecarGenerator.CONNECT_TIMEOUT_SECONDS))
            .setLoadAssignment(
                ClusterLoadAssignment.newBuilder()
                    .setClusterName(name)
                    .addEndpoints(
                        LocalityLbEndpoints.newBuilder()
                            .addLbEndpoints(Xds.endpoint(host, servicePort(in), 1))));
    return HttpUpstreams.apply(cluster, protocol(in)).build();
  }

  static Result build(
      MeshState state,
      Resource dataplane,
      DataplaneSpec.Inbound in,
      Map<String, String> tags,
      String cluster) {
    String address = Dataplanes.inboundAddress(dataplane, in);
    String name = "inbound:" + address + ":" + in.port();
    FilterChain.Builder chain = FilterChain.newBuilder();
    Optional<RBAC> rules =
        state.mtlsEnabled()
            ? Optional.of(Permissions.rules(state.meshName(), state.trafficPermissions(), tags))
            : Optional.empty();
    rules.ifPresent(r -> chain.setTransportSocket(Xds.tls(TlsContexts.inbound(state.meshName()))));
    Optional<RouteConfiguration> routes = Optional.empty();
    if (protocol(in).http()) {
      InboundHttpPolicies policies =
          InboundHttpPolicies.of(state, tags, Xds.statPrefix(name) + "_rate_limit");
      RouteConfiguration routeConfig = routeConfig(name, tags, cluster, rules, policies);
      chain.addFilters(
          Xds.filter(
              Xds.HTTP_CONNECTION_MANAGER, httpConnectionManager(name, cluster, rules, policies)));
      routes = Optional.of(routeConfig);
    } else {
      rules.ifPresent(
          r ->
              chain.addFilters(
                  Xds.filter(
                      Xds.NETWORK_RBAC,
                      io.envoyproxy
                          .envoy
                          .extensions
                          .filters
                          .network
                          .rbac
                          .v3
                          .RBAC
                          .newBuilder()
                          .setStatPrefix(Xds.statPrefix(name) + ".")
                          .setRules(r)
                          .build())));
      chain.addFilters(
          Xds.filter(
              Xds.TCP_PROXY,
              TcpProxy.newBuilder()
                  .setStatPrefix(Xds.statPrefix(cluster))
                  .setCluster(cluster)
                  .build()));
    }
    Listener listener =
        Listener.newBuilder()
            .setName(name)
            .setAddress(Xds.address(address, in.port()))
            .setTrafficDirection(TrafficDirection.INBOUND)
            .addFilterChains(chain)
            .build();
    return new Result(listener, routes);
  }

  private static HttpConnectionManager httpConnectionManager(
      String name, String cluster, Optional<RBAC> rules, InboundHttpPolicies policies) {
    HttpConnectionManager.Builder hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix(Xds.statPrefix(cluster))
            .setRds(Rds.newBuilder().setConfigSource(Xds.ADS).setRouteConfigName(name));
    if (rules.isPresent()) {
      // Denies everything unless the virtual host overrides it: the rules live in the route
      // configuration, so that changing them never touches (and drains) the listener.
      hcm.addHttpFilters(
          HttpFilter.newBuilder()
              .setName(HTTP_RBAC)
              .setTypedConfig(
                  Xds.pack(
                      io.envoyproxy
                          .envoy
                          .extensions
                          .filters
                          .http
                          .rbac
                          .v3
                          .RBAC
                          .newBuilder()
                          .setRules(RBAC.newBuilder().setAction(RBAC.Action.ALLOW))
                          .build())));
    }
    hcm.addAllHttpFilters(policies.filters());
    HttpTimeouts.inboundConnectionManager(hcm);
    hcm.addHttpFilters(
        HttpFilter.newBuilder()
            .setName(Xds.ROUTER)
            .setTypedConfig(Xds.pack(Router.getDefaultInstance())));
    return hcm.build();
  }

  private static RouteConfiguration routeConfig(
      String name,
      Map<String, String> tags,
      String cluster,
      Optional<RBAC> rules,
      InboundHttpPolicies policies) {
    VirtualHost.Builder vhost =
        VirtualHost.newBuilder()
            .setName(tags.getOrDefault(Tags.SERVICE, name))
            .addDomains("*")
            .addAllRoutes(
                policies.routes(
                    Route.newBuilder()
                        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(
                            RouteAction.newBuilder()
                                .setCluster(cluster)
                                .setTimeout(HttpTimeouts.INBOUND_ROUTE_TIMEOUT))
                        .build()));
    rules.ifPresent(
        r ->
            vhost.putTypedPerFilterConfig(
                HTTP_RBAC,
                Xds.pack(
                    RBACPerRoute.newBuilder()
                        .setRbac(
                            io.envoyproxy
                                .envoy
                                .extensions
                                .filters
                                .http
                                .rbac
                                .v3
                                .RBAC
                                .newBuilder()
                                .setRules(r))
                        .build())));
    return RouteConfiguration.newBuilder().setName(name).addVirtualHosts(vhost).build();
  }
}

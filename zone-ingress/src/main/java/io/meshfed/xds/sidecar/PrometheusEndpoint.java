package io.meshfed.xds.sidecar;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.meshfed.model.Resource;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.xds.MeshState;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The Prometheus endpoint of a sidecar (Kuma's {@code metrics} of the Mesh, overridden field by
 * field by the Dataplane's {@code metrics}): listener {@code kuma:metrics:prometheus} on {@code
 * networking.address:<conf.port>} whose only route is the exact path {@code conf.path} (after path
 * normalization), rewritten to {@code /stats/prometheus} on the cluster {@code kuma:envoy:admin}
 * (Envoy's own admin API at 127.0.0.1:{@code networking.admin.port}, which the zone sets from the
 * node metadata {@code dataplane.admin.port} when Envoy sends it); every other path gets a 404, so
 * the rest of the admin API stays out of reach. {@code conf.envoy.filterRegex} and {@code usedOnly}
 * become the admin query {@code ?filter=<re>&usedonly}.
 *
 * <p>In an mTLS mesh, unless {@code skipMTLS: true} or {@code tls.mode: disabled}, the endpoint is
 * served as Kuma serves it: plaintext only to connections from the dataplane's own address, mesh
 * mTLS (a client certificate from the mesh CA) to everyone else.
 *
 * <p>Nothing is generated when the mesh enables no prometheus backend, when the dataplane has no
 * {@code networking.admin.port}, or when the endpoint would take an inbound's or outbound's address
 * and port.
 */
final class PrometheusEndpoint {
  static final String LISTENER = "kuma:metrics:prometheus";
  static final String ADMIN_CLUSTER = "kuma:envoy:admin";
  static final String STATS_PATH = "/stats/prometheus";
  static final int DEFAULT_PORT = 5670;
  static final String DEFAULT_PATH = "/metrics";

  private PrometheusEndpoint() {}

  /** The listener and the admin cluster it routes to. */
  record Result(Listener listener, Cluster adminCluster) {}

  /** The resolved backend: where to listen, which path, and whether mesh mTLS guards it. */
  record Config(int port, String path, boolean meshMtls, String query) {
    Config {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(query, "query");
    }
  }

  /** The endpoint of {@code dataplane}, or empty when nothing is to be generated. */
  static Optional<Result> build(MeshState state, Resource dataplane) {
    DataplaneSpec spec = dataplane.spec(DataplaneSpec.class);
    DataplaneSpec.Networking net = spec.networking();
    if (net == null || net.address() == null) {
      return Optional.empty();
    }
    Integer adminPort = net.admin() == null ? null : net.admin().port();
    if (adminPort == null || adminPort == 0) {
      return Optional.empty();
    }
    Optional<Config> config = config(state, spec);
    if (config.isEmpty() || usesInterface(net, config.get().port())) {
      return Optional.empty();
    }
    Config c = config.get();
    RouteConfiguration routes =
        RouteConfiguration.newBuilder()
            .setName(LISTENER)
            .setValidateClusters(BoolValue.of(false))
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName(LISTENER)
                    .addDomains("*")
                    .addRoutes(
                        Route.newBuilder()
                            .setMatch(RouteMatch.newBuilder().setPath(c.path()))
                            .setRoute(
                                RouteAction.newBuilder()
                                    .setCluster(ADMIN_CLUSTER)
                                    .setPrefixRewrite(STATS_PATH + c.query())))
                    .addRoutes(
                        Route.newBuilder()
                            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                            .setDirectResponse(DirectResponseAction.newBuilder().setStatus(404))))
            .build();
    HttpConnectionManager hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix(Xds.statPrefix(LISTENER))
            .setNormalizePath(BoolValue.of(true))
            .setMergeSlashes(true)
            .setRouteConfig(routes)
            .addHttpFilters(
                HttpFilter.newBuilder()
                    .setName(Xds.ROUTER)
                    .setTypedConfig(Any.pack(Router.getDefaultInstance())))
            .build();
    Listener.Builder listener =
        Listener.newBuilder()
            .setName(LISTENER)
            .setAddress(Xds.address(net.address(), c.port()))
            .setTrafficDirection(TrafficDirection.INBOUND);
    if (c.meshMtls()) {
      // the dataplane scraping itself (a Prometheus next to it) needs no certificate
      listener.addFilterChains(
          FilterChain.newBuilder()
              .setFilterChainMatch(
                  FilterChainMatch.newBuilder().addSourcePrefixRanges(hostRange(net.address())))
              .addFilters(Xds.filter(Xds.HTTP_CONNECTION_MANAGER, hcm)));
      listener.addFilterChains(
          FilterChain.newBuilder()
              .setTransportSocket(Xds.tls(TlsContexts.inbound(state.meshName())))
              .addFilters(Xds.filter(Xds.HTTP_CONNECTION_MANAGER, hcm)));
    } else {
      listener.addFilterChains(
          FilterChain.newBuilder().addFilters(Xds.filter(Xds.HTTP_CONNECTION_MANAGER, hcm)));
    }
    Cluster admin =
        Cluster.newBuilder()
            .setName(ADMIN_CLUSTER)
            .setType(Cluster.DiscoveryType.STATIC)
            .setConnectTimeout(Durations.fromSeconds(SidecarGenerator.CONNECT_TIMEOUT_SECONDS))
            .setLoadAssignment(
                ClusterLoadAssignment.newBuilder()
                    .setClusterName(ADMIN_CLUSTER)
                    .addEndpoints(
                        LocalityLbEndpoints.newBuilder()
                            .addLbEndpoints(
                                Xds.endpoint(SidecarGenerator.LOCALHOST, adminPort, 1))))
            .build();
    return Optional.of(new Result(listener.build(), admin));
  }

  /**
   * The mesh's enabled prometheus backend with the dataplane's {@code metrics.conf} merged over it
   * (its fields win; {@code envoy} and {@code tls} merged one level deeper), or empty when the mesh
   * enables none.
   */
  static Optional<Config> config(MeshState state, DataplaneSpec spec) {
    MeshSpec.Metrics metrics = state.meshSpec().metrics();
    if (metrics == null || metrics.enabledBackend() == null) {
      return Optional.empty();
    }
    Optional<MeshSpec.MetricsBackend> enabled =
        metrics.backends().stream()
            .filter(b -> b != null && metrics.enabledBackend().equals(b.name()))
            .filter(b -> "prometheus".equals(b.type()))
            .findFirst();
    if (enabled.isEmpty()) {
      return Optional.empty();
    }
    Map<String, Object> conf = new LinkedHashMap<>(enabled.get().conf());
    if (spec.metrics() != null
        && "prometheus".equals(spec.metrics().get("type"))
        && spec.metrics().get("conf") instanceof Map<?, ?> dpConf) {
      dpConf.forEach(
          (k, v) -> {
            String key = String.valueOf(k);
            if (v instanceof Map<?, ?> inner && conf.get(key) instanceof Map<?, ?> outer) {
              Map<Object, Object> merged = new LinkedHashMap<>(outer);
              merged.putAll(inner);
              conf.put(key, merged);
            } else {
              conf.put(key, v);
            }
          });
    }
    int port = conf.get("port") instanceof Number n ? n.intValue() : DEFAULT_PORT;
    String path = conf.get("path") instanceof String p && !p.isEmpty() ? p : DEFAULT_PATH;
    String tlsMode =
        conf.get("tls") instanceof Map<?, ?> tls && tls.get("mode") instanceof String m ? m : null;
    boolean plaintext =
        tlsMode != null ? "disabled".equals(tlsMode) : Boolean.TRUE.equals(conf.get("skipMTLS"));
    boolean meshMtls = state.mtlsEnabled() && !plaintext;
    return Optional.of(new Config(port, path, meshMtls, query(conf.get("envoy"))));
  }

  /** Kuma's {@code ?filter=<re>&usedonly}, the regex percent-encoded; "" when neither is set. */
  private static String query(Object envoy) {
    if (!(envoy instanceof Map<?, ?> e)) {
      return "";
    }
    StringBuilder q = new StringBuilder();
    if (e.get("filterRegex") instanceof String re && !re.isEmpty()) {
      q.append("filter=").append(URLEncoder.encode(re, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    if (Boolean.TRUE.equals(e.get("usedOnly"))) {
      q.append(q.length() == 0 ? "" : "&").append("usedonly");
    }
    return q.length() == 0 ? "" : "?" + q;
  }

  /** True when {@code port} on the dataplane's address is an inbound's or outbound's. */
  static boolean usesInterface(DataplaneSpec.Networking net, int port) {
    for (DataplaneSpec.Inbound in : net.inbound()) {
      if (in != null && Objects.equals(in.port(), port)) {
        String address = in.address() == null ? net.address() : in.address();
        if (overlap(address, net.address())) {
          return true;
        }
      }
    }
    for (DataplaneSpec.Outbound out : net.outbound()) {
      if (out != null && Objects.equals(out.port(), port)) {
        String address = out.address() == null ? SidecarGenerator.LOCALHOST : out.address();
        if (overlap(address, net.address())) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean overlap(String a, String b) {
    return a.equals(b) || isWildcard(a) || isWildcard(b);
  }

  private static boolean isWildcard(String address) {
    return List.of("0.0.0.0", "::").contains(address);
  }

  private static CidrRange hostRange(String address) {
    return CidrRange.newBuilder()
        .setAddressPrefix(address)
        .setPrefixLen(UInt32Value.of(address.contains(":") ? 128 : 32))
        .build();
  }
}

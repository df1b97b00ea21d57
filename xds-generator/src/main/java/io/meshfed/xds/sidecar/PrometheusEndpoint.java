package io.meshfed.xds.sidecar;

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
import io.meshfed.xds.MeshState;
import io.meshfed.xds.PrometheusBackend;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
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
public final class PrometheusEndpoint {
  static final String LISTENER = "kuma:metrics:prometheus";
  static final String ADMIN_CLUSTER = "kuma:envoy:admin";
  static final String STATS_PATH = "/stats/prometheus";

  private PrometheusEndpoint() {}

  /** The listener and the admin cluster it routes to. */
  public record Result(Listener listener, Cluster adminCluster) {}

  /** The resolved backend: where to listen, which path, and whether mesh mTLS guards it. */
  record Config(int port, String path, boolean meshMtls, String query) {
    Config {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(query, "query");
    }
  }

  /**
   * The endpoint of a zone ingress: the backend of the first mesh (by name) that enables a
   * prometheus one, served in plaintext on the ingress's {@code networking.address} (an ingress has
   * no mesh identity to serve mTLS with); empty when no mesh enables one, when the ingress has no
   * admin port, or when the port is the ingress's own.
   */
  public static Optional<Result> forIngress(
      String address, int ingressPort, Integer adminPort, List<MeshState> meshes) {
    if (address == null || adminPort == null || adminPort == 0) {
      return Optional.empty();
    }
    Optional<PrometheusBackend> backend =
        meshes.stream()
            .sorted(java.util.Comparator.comparing(MeshState::meshName))
            .map(m -> PrometheusBackend.resolve(m.meshSpec(), null))
            .flatMap(Optional::stream)
            .findFirst();
    if (backend.isEmpty() || backend.get().port() == ingressPort) {
      return Optional.empty();
    }
    PrometheusBackend b = backend.get();
    return Optional.of(
        endpoint(
            address, new Config(b.port(), b.path(), false, query(b.envoy())), adminPort, null));
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
    return Optional.of(endpoint(net.address(), config.get(), adminPort, state.meshName()));
  }

  private static Result endpoint(String address, Config c, int adminPort, String meshName) {
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
                    .setTypedConfig(Xds.pack(Router.getDefaultInstance())))
            .build();
    Listener.Builder listener =
        Listener.newBuilder()
            .setName(LISTENER)
            .setAddress(Xds.address(address, c.port()))
            .setTrafficDirection(TrafficDirection.INBOUND);
    if (c.meshMtls()) {
      // the dataplane scraping itself (a Prometheus next to it) needs no certificate
      listener.addFilterChains(
          FilterChain.newBuilder()
              .setFilterChainMatch(
                  FilterChainMatch.newBuilder().addSourcePrefixRanges(hostRange(address)))
              .addFilters(Xds.filter(Xds.HTTP_CONNECTION_MANAGER, hcm)));
      listener.addFilterChains(
          FilterChain.newBuilder()
              .setTransportSocket(Xds.tls(TlsContexts.inbound(meshName)))
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
    return new Result(listener.build(), admin);
  }

  /**
   * The mesh's enabled prometheus backend with the dataplane's {@code metrics.conf} merged over it
   * ({@link PrometheusBackend#resolve}), or empty when the mesh enables none.
   */
  static Optional<Config> config(MeshState state, DataplaneSpec spec) {
    return PrometheusBackend.resolve(state.meshSpec(), spec.metrics())
        .map(
            b ->
                new Config(
                    b.port(), b.path(), state.mtlsEnabled() && !b.plaintext(), query(b.envoy())));
  }

  /** Kuma's {@code ?filter=<re>&usedonly}, the regex percent-encoded; "" when neither is set. */
  private static String query(Map<String, Object> envoy) {
    if (envoy == null) {
      return "";
    }
    Map<String, Object> e = envoy;
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

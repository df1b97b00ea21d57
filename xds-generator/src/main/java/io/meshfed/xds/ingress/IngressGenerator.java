package io.meshfed.xds.ingress;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.meshfed.model.Resource;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.ZoneIngressSpec;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.ProxyConfig;
import io.meshfed.xds.Sni;
import io.meshfed.xds.sidecar.PrometheusEndpoint;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Envoy config of a zone ingress: one listener that reads the TLS server name of each incoming
 * connection (without terminating TLS) and tcp-proxies the still-encrypted bytes to the local
 * instances of the service the name designates.
 *
 * <ul>
 *   <li>Listener {@code inbound:<address>:<port>} (defaults {@code 0.0.0.0} and {@code 10001}) with
 *       the {@code envoy.filters.listener.tls_inspector} listener filter.
 *   <li>Per mesh, per service with at least one ready local inbound: the match-all {@link
 *       Sni#of(String, String) SNI} of the service, plus one SNI per distinct subset that a
 *       TrafficRoute of the mesh sends traffic to (see {@link RouteSubsets}).
 *   <li>Per SNI: a filter chain matching {@code server_names: [sni]} and {@code transport_protocol:
 *       tls} with a {@code tcp_proxy} to the cluster named by the SNI; an EDS (over ADS) cluster of
 *       that name, without a transport socket; and its load assignment: the ready local inbounds of
 *       the service whose tags contain the subset, at locality {@code {zone}}.
 *   <li>When a mesh enables a prometheus metrics backend and the ingress reports its admin port,
 *       the listener {@code kuma:metrics:prometheus} that serves the ingress Envoy's stats (see
 *       {@link PrometheusEndpoint#forIngress}).
 *   <li>With no SNI at all, one default chain answering a short JSON with {@code
 *       envoy.filters.network.direct_response}, so that the listener is valid.
 * </ul>
 *
 * <p>Connections whose server name matches no chain are closed by Envoy. A pure function of its
 * arguments: equal inputs give equal output (chains, clusters and endpoints sorted).
 */
public final class IngressGenerator {
  /** The port the ingress listens on when {@code networking.port} is not set. */
  public static final int DEFAULT_PORT = 10001;

  /** The address the ingress listens on when {@code networking.address} is not set. */
  public static final String DEFAULT_ADDRESS = "0.0.0.0";

  static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";
  static final String TCP_PROXY = "envoy.filters.network.tcp_proxy";
  static final String DIRECT_RESPONSE = "envoy.filters.network.direct_response";
  static final Duration CONNECT_TIMEOUT = Duration.newBuilder().setSeconds(5).build();

  private static final Logger log = LoggerFactory.getLogger(IngressGenerator.class);

  private IngressGenerator() {}

  /**
   * The config of {@code zoneIngress} (a ZoneIngress resource of this zone) for the given meshes.
   *
   * @throws IllegalArgumentException if {@code zoneIngress} is not a ZoneIngress
   */
  public static ProxyConfig generate(Resource zoneIngress, List<MeshState> meshes) {
    if (!(zoneIngress.spec() instanceof ZoneIngressSpec spec)) {
      throw new IllegalArgumentException(
          zoneIngress.key()
              + ": spec is "
              + zoneIngress.spec().getClass().getSimpleName()
              + " (expected: ZoneIngressSpec)");
    }
    TreeMap<String, Target> targets = new TreeMap<>();
    for (MeshState state : meshes) {
      collectTargets(state, targets);
    }

    List<FilterChain> chains = new ArrayList<>();
    List<Cluster> clusters = new ArrayList<>();
    List<ClusterLoadAssignment> endpoints = new ArrayList<>();
    targets.forEach(
        (sni, target) -> {
          chains.add(sniChain(sni));
          clusters.add(edsCluster(sni));
          endpoints.add(loadAssignment(sni, target));
        });
    if (chains.isEmpty()) {
      chains.add(directResponseChain(zoneName(spec, meshes)));
    }
    List<Listener> listeners = new ArrayList<>();
    listeners.add(listener(spec.networking(), chains));
    ZoneIngressSpec.Networking net = spec.networking();
    Optional<PrometheusEndpoint.Result> metrics =
        PrometheusEndpoint.forIngress(
            address(net),
            port(net),
            net == null || net.admin() == null ? null : net.admin().port(),
            meshes);
    metrics.ifPresent(
        m -> {
          listeners.add(m.listener());
          clusters.add(m.adminCluster());
        });
    log.debug(
        "zone {}: ingress {}: {} SNI(s) over {} mesh(es)",
        zoneName(spec, meshes),
        zoneIngress.name(),
        targets.size(),
        meshes.size());
    return new ProxyConfig(clusters, endpoints, listeners, List.of(), List.of());
  }

  /** The listener name for {@code networking} (with the defaults applied). */
  public static String listenerName(ZoneIngressSpec.Networking networking) {
    return "inbound:" + address(networking) + ":" + port(networking);
  }

  /** Adds one target per SNI of the mesh's locally served services. */
  private static void collectTargets(MeshState state, Map<String, Target> targets) {
    String mesh = state.meshName();
    TreeMap<String, List<LocalEndpoint>> byService = new TreeMap<>();
    for (LocalEndpoint e : localEndpoints(state)) {
      byService.computeIfAbsent(e.service(), s -> new ArrayList<>()).add(e);
    }
    byService.forEach(
        (service, all) -> {
          targets.putIfAbsent(Sni.of(mesh, service), new Target(state.zone(), all));
          for (SortedMap<String, String> subset : RouteSubsets.of(state.trafficRoutes(), service)) {
            List<LocalEndpoint> matching =
                all.stream()
                    .filter(e -> e.tags().entrySet().containsAll(subset.entrySet()))
                    .toList();
            targets.putIfAbsent(Sni.of(mesh, service, subset), new Target(state.zone(), matching));
          }
        });
  }

  /**
   * The ready inbounds of the mesh's local dataplanes that have a service, an address and a port.
   */
  private static List<LocalEndpoint> localEndpoints(MeshState state) {
    List<LocalEndpoint> out = new ArrayList<>();
    for (Resource r : state.dataplanes()) {
      DataplaneSpec dp = r.spec(DataplaneSpec.class);
      String dpAddress = dp.networking() == null ? null : dp.networking().address();
      for (DataplaneSpec.Inbound in : dp.inbounds()) {
        if (in == null || !in.ready() || in.service() == null) {
          continue;
        }
        String address = in.address() != null && !in.address().isEmpty() ? in.address() : dpAddress;
        if (address == null || address.isEmpty() || in.port() == null) {
          log.warn(
              "zone {}: {} inbound of service '{}' has no address or port; not an ingress endpoint",
              state.zone(),
              r.key(),
              in.service());
          continue;
        }
        out.add(new LocalEndpoint(in.service(), in.tags(), address, in.port()));
      }
    }
    out.sort(Comparator.comparing(LocalEndpoint::address).thenComparingInt(LocalEndpoint::port));
    return out;
  }

  private static Listener listener(
      ZoneIngressSpec.Networking networking, List<FilterChain> chains) {
    return Listener.newBuilder()
        .setName(listenerName(networking))
        .setAddress(
            Address.newBuilder()
                .setSocketAddress(
                    SocketAddress.newBuilder()
                        .setAddress(address(networking))
                        .setPortValue(port(networking))))
        .setTrafficDirection(TrafficDirection.INBOUND)
        .addListenerFilters(
            ListenerFilter.newBuilder()
                .setName(TLS_INSPECTOR)
                .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance())))
        .addAllFilterChains(chains)
        .build();
  }

  private static FilterChain sniChain(String sni) {
    TcpProxy tcpProxy =
        TcpProxy.newBuilder().setStatPrefix(statPrefix(sni)).setCluster(sni).build();
    return FilterChain.newBuilder()
        .setName(sni)
        .setFilterChainMatch(
            FilterChainMatch.newBuilder().addServerNames(sni).setTransportProtocol("tls"))
        .addFilters(Filter.newBuilder().setName(TCP_PROXY).setTypedConfig(Any.pack(tcpProxy)))
        .build();
  }

  private static FilterChain directResponseChain(String zone) {
    String body = "{\"proxy\":\"zone-ingress\",\"zone\":\"" + jsonEscape(zone) + "\"}";
    var config =
        io.envoyproxy.envoy.extensions.filters.network.direct_response.v3.Config.newBuilder()
            .setResponse(DataSource.newBuilder().setInlineString(body))
            .build();
    return FilterChain.newBuilder()
        .setName("no-services")
        .addFilters(Filter.newBuilder().setName(DIRECT_RESPONSE).setTypedConfig(Any.pack(config)))
        .build();
  }

  private static Cluster edsCluster(String sni) {
    return Cluster.newBuilder()
        .setName(sni)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(
            Cluster.EdsClusterConfig.newBuilder()
                .setEdsConfig(
                    ConfigSource.newBuilder()
                        .setAds(AggregatedConfigSource.getDefaultInstance())
                        .setResourceApiVersion(ApiVersion.V3)))
        .setConnectTimeout(CONNECT_TIMEOUT)
        .build();
  }

  private static ClusterLoadAssignment loadAssignment(String sni, Target target) {
    LocalityLbEndpoints.Builder locality =
        LocalityLbEndpoints.newBuilder().setLocality(Locality.newBuilder().setZone(target.zone()));
    for (LocalEndpoint e : target.endpoints()) {
      locality.addLbEndpoints(
          LbEndpoint.newBuilder()
              .setEndpoint(
                  Endpoint.newBuilder()
                      .setAddress(
                          Address.newBuilder()
                              .setSocketAddress(
                                  SocketAddress.newBuilder()
                                      .setAddress(e.address())
                                      .setPortValue(e.port())))));
    }
    ClusterLoadAssignment.Builder cla = ClusterLoadAssignment.newBuilder().setClusterName(sni);
    if (!target.endpoints().isEmpty()) {
      cla.addEndpoints(locality);
    }
    return cla.build();
  }

  private static String address(ZoneIngressSpec.Networking n) {
    return n == null || n.address() == null || n.address().isEmpty()
        ? DEFAULT_ADDRESS
        : n.address();
  }

  private static int port(ZoneIngressSpec.Networking n) {
    return n == null || n.port() == null || n.port() == 0 ? DEFAULT_PORT : n.port();
  }

  private static String zoneName(ZoneIngressSpec spec, List<MeshState> meshes) {
    if (spec.zone() != null && !spec.zone().isEmpty()) {
      return spec.zone();
    }
    return meshes.isEmpty() ? "" : meshes.get(0).zone();
  }

  /** A stat prefix: the SNI with every character outside {@code [A-Za-z0-9_]} as {@code _}. */
  static String statPrefix(String sni) {
    return sni.replaceAll("[^A-Za-z0-9_]", "_");
  }

  private static String jsonEscape(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** What one SNI leads to: the zone and the matching local endpoints. */
  private record Target(String zone, List<LocalEndpoint> endpoints) {
    Target {
      endpoints = List.copyOf(endpoints);
    }
  }

  /** One ready local inbound: its service, tags and where the ingress sends the bytes. */
  private record LocalEndpoint(
      String service, Map<String, String> tags, String address, int port) {}
}

package io.meshfed.xds.sidecar;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.meshfed.model.Resource;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.TrafficRouteSpec;
import io.meshfed.xds.Identity;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.Protocol;
import io.meshfed.xds.ProxyConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The Envoy config of one sidecar: a pure function of the mesh state, the dataplane and (in an mTLS
 * mesh) its identity. Every EDS and SDS reference points at the one ADS stream.
 *
 * <ul>
 *   <li><b>Inbound</b> {@code networking.inbound[i]}: listener {@code inbound:<addr>:<port>}
 *       ({@code addr} = the inbound's {@code address}, else {@code networking.address}) to the
 *       STATIC cluster {@code localhost:<servicePort>} (at {@code serviceAddress}, else 127.0.0.1;
 *       {@code servicePort} defaults to {@code port}). With mTLS the filter chain terminates TLS
 *       and requires a client certificate from the mesh CA, and only the sources of the
 *       TrafficPermissions whose destinations match the inbound are allowed (see {@link
 *       Permissions}); none matching denies everything. A TCP inbound gets a {@code tcp_proxy}
 *       behind a network RBAC filter; an inbound tagged {@code kuma.io/protocol: http}, {@code
 *       http2} or {@code grpc} gets an {@code http_connection_manager} with the HTTP RBAC filter,
 *       evaluated per request, and a route configuration over RDS (see {@link Inbounds}).
 *   <li><b>Outbound</b> {@code networking.outbound[j]}: listener {@code outbound:<addr>:<port>}
 *       ({@code addr} defaults to 127.0.0.1) for service {@code S}; the most specific matching
 *       TrafficRoute (see {@link RouteSelector}) picks the clusters. TCP services get a {@code
 *       tcp_proxy} (one cluster, or weighted clusters for a split; weight-0 entries dropped); HTTP
 *       services (every known instance tagged {@code kuma.io/protocol: http}, or every one {@code
 *       http2}, or every one {@code grpc}; a mix is TCP, see {@link io.meshfed.xds.Protocol}) get
 *       an {@code http_connection_manager} with an inline route config: one route per {@code
 *       conf.http} rule, in order, with its {@code modify} (see {@link RouteModifications}), then a
 *       catch-all {@code /} route for the split or destination.
 *   <li><b>Clusters</b>: one EDS cluster per (service, subset tags) a route uses, with the
 *       connection policies that apply to the service (see {@link ClusterPolicies}) and the load
 *       balancer of the route that uses it (see {@link LoadBalancers}); HTTP/2 to the endpoints
 *       when {@code S} is {@code http2} or {@code grpc} (see {@link HttpUpstreams}). The name is
 *       {@code S} when the subset is the service alone, else {@code S_<hash>} where {@code <hash>}
 *       is the 32-bit FNV-1a hash, in 8 lower-case hex digits, of the UTF-8 string {@code
 *       k1=v1,k2=v2,...} over the subset's tags other than {@code kuma.io/service}, sorted by key.
 *       With mTLS: an upstream TLS context with SNI {@link io.meshfed.xds.Sni#of}, the workload
 *       certificate, and the mesh CA plus a URI SAN check {@code spiffe://<mesh>/<S>} on the
 *       server.
 *   <li><b>Endpoints</b> (see {@link Endpoints}): local ready inbounds (weight 1, locality = this
 *       zone) and, with mTLS only, remote zone ingresses (weight = instances, locality = their
 *       zone), one locality per zone, priority 0.
 *   <li><b>Secrets</b> (mTLS only): {@code identity_cert:<mesh>} (certificate chain and key) and
 *       {@code mesh_ca:<mesh>} (trusted CA).
 *   <li><b>Access logs</b> on outbound listeners, from the TrafficLogs and the mesh's logging
 *       backends (see {@link AccessLogs}).
 *   <li><b>Tracing</b>: with a TrafficTrace for the proxy and a zipkin backend on the mesh, the
 *       cluster {@code tracing:<backend>} and a Zipkin tracer on every inbound and outbound HTTP
 *       connection manager (see {@link Tracing}).
 *   <li><b>Metrics</b>: the Prometheus endpoint {@code kuma:metrics:prometheus} when the mesh
 *       enables a prometheus metrics backend (see {@link PrometheusEndpoint}).
 *   <li><b>ProxyTemplate</b>, last, on all of the above: see {@link ProxyTemplates}.
 * </ul>
 *
 * Same input, same protos: every list is built in a sorted or declared order.
 */
public final class SidecarGenerator {
  /**
   * The policy types, besides TrafficPermission and TrafficRoute, that the generator reads from
   * {@link MeshState#policies(String)}: a zone must watch them.
   */
  public static final List<String> CONNECTION_POLICY_TYPES =
      java.util.stream.Stream.of(
              OutboundPolicies.TYPES,
              InboundHttpPolicies.TYPES,
              ProxyTemplates.TYPES,
              AccessLogs.TYPES,
              Tracing.TYPES)
          .flatMap(List::stream)
          .toList();

  static final long CONNECT_TIMEOUT_SECONDS = 5;
  static final String LOCALHOST = "127.0.0.1";

  private SidecarGenerator() {}

  /**
   * The config of {@code dataplane}, a Dataplane of {@code state}'s mesh in this zone.
   *
   * @param identity present exactly when the mesh has mTLS enabled
   * @throws IllegalArgumentException when the dataplane is of another mesh, the identity does not
   *     agree with the mesh's mTLS setting, or an inbound or outbound misses an address or port
   */
  public static ProxyConfig generate(
      MeshState state, Resource dataplane, Optional<Identity> identity) {
    return generate(state, dataplane, identity, Optional.empty());
  }

  /**
   * Like {@link #generate(MeshState, Resource, Optional)}, for a proxy that announced the FIFO its
   * {@code meshfed dp run} forwards to the mesh's {@code tcp} logging backends.
   *
   * @param accessLogSocketPath the node metadata {@code accessLogSocketPath}, if sent
   */
  public static ProxyConfig generate(
      MeshState state,
      Resource dataplane,
      Optional<Identity> identity,
      Optional<String> accessLogSocketPath) {
    return generate(state, dataplane, identity, accessLogSocketPath, SidecarMemo.of(state));
  }

  /**
   * Like {@link #generate(MeshState, Resource, Optional, Optional)}, taking the outbound listeners,
   * clusters, endpoints and the inbound parts that other proxies of the mesh built with the same
   * inputs from {@code memo} (and leaving there those it builds): the same config, with objects
   * shared between proxies, and with an earlier build's ({@link SidecarMemo#after}), built once.
   *
   * @param memo of {@code state}: the proxies built from one state share one
   * @throws IllegalArgumentException as above, and when {@code memo} is of another state
   */
  public static ProxyConfig generate(
      MeshState state,
      Resource dataplane,
      Optional<Identity> identity,
      Optional<String> accessLogSocketPath,
      SidecarMemo memo) {
    if (memo.state() != state) {
      throw new IllegalArgumentException(
          dataplane.key() + ": memo of another mesh state (expected one of this build's state)");
    }
    String mesh = state.meshName();
    if (!mesh.equals(dataplane.mesh())) {
      throw new IllegalArgumentException(
          dataplane.key() + ": mesh: '" + dataplane.mesh() + "' (expected: '" + mesh + "')");
    }
    if (state.mtlsEnabled() != identity.isPresent()) {
      throw new IllegalArgumentException(
          dataplane.key()
              + ": identity: "
              + (identity.isPresent() ? "present" : "absent")
              + " (expected: "
              + (state.mtlsEnabled() ? "present, mesh '" : "absent, mesh '")
              + mesh
              + "' has mTLS "
              + (state.mtlsEnabled() ? "enabled)" : "disabled)"));
    }
    DataplaneSpec spec = dataplane.spec(DataplaneSpec.class);
    List<Listener> listeners = new ArrayList<>();
    Map<String, Cluster> clusters = new LinkedHashMap<>();
    List<ClusterLoadAssignment> endpoints = new ArrayList<>();
    List<RouteConfiguration> routes = new ArrayList<>();

    List<Map<String, String>> inboundTagSets = new ArrayList<>();
    for (DataplaneSpec.Inbound in : spec.inbounds()) {
      if (in == null) {
        continue;
      }
      if (in.port() == null) {
        throw new IllegalArgumentException(
            dataplane.key() + ": networking.inbound: " + in + " (expected a port)");
      }
      Map<String, String> tags = Dataplanes.inboundTags(in, state.zone());
      inboundTagSets.add(tags);
      Cluster local = memo.localCluster(in, () -> Inbounds.localCluster(in));
      Cluster known = clusters.putIfAbsent(local.getName(), local);
      if (known != null && !known.equals(local)) {
        throw new IllegalArgumentException(
            dataplane.key()
                + ": networking.inbound[port="
                + in.port()
                + "]: serviceAddress '"
                + in.serviceAddress()
                + "', "
                + Tags.PROTOCOL
                + " '"
                + in.tags().get(Tags.PROTOCOL)
                + "' (expected the same address and HTTP version as the other inbound with"
                + " servicePort "
                + Inbounds.servicePort(in)
                + ")");
      }
      String address = Dataplanes.inboundAddress(dataplane, in);
      Inbounds.Result inbound =
          memo.inbound(
              in,
              address,
              local.getName(),
              () -> Inbounds.build(state, dataplane, in, tags, local.getName()));
      listeners.add(inbound.listener());
      inbound.routes().ifPresent(routes::add);
    }

    List<Map<String, String>> inboundTags = List.copyOf(inboundTagSets);
    OutboundPolicies policies = OutboundPolicies.of(state, inboundTags);
    AccessLogs accessLogs = AccessLogs.of(state, dataplane, inboundTagSets, accessLogSocketPath);
    Set<ClusterKey> outboundClusters = new LinkedHashSet<>();
    // a cluster several outbounds use balances as the first route that uses it says
    Map<ClusterKey, TrafficRouteSpec.LoadBalancer> loadBalancers = new HashMap<>();
    if (spec.networking() != null) {
      for (DataplaneSpec.Outbound out : spec.networking().outbound()) {
        if (out == null) {
          continue;
        }
        Outbounds.Result result =
            memo.outbound(
                out,
                inboundTags,
                () -> Outbounds.build(state, dataplane, out, inboundTags, policies));
        listeners.add(accessLogs.apply(result.listener(), out.targetService()));
        outboundClusters.addAll(result.clusters());
        if (result.loadBalancer() != null) {
          result.clusters().forEach(k -> loadBalancers.putIfAbsent(k, result.loadBalancer()));
        }
      }
    }
    for (ClusterKey key : outboundClusters) {
      TrafficRouteSpec.LoadBalancer lb = loadBalancers.get(key);
      clusters.put(
          key.name(),
          memo.cluster(key, lb, inboundTags, () -> outboundCluster(state, key, lb, policies)));
      endpoints.add(memo.endpoints(key, () -> Endpoints.of(state, key, key.name())));
    }

    Optional<Tracing> tracing = Tracing.of(state, dataplane, inboundTagSets);
    if (tracing.isPresent()) {
      List<Listener> traced = tracing.get().applyTo(listeners);
      listeners.clear();
      listeners.addAll(traced);
      clusters.put(tracing.get().cluster().getName(), tracing.get().cluster());
    }

    PrometheusEndpoint.build(state, dataplane)
        .ifPresent(
            p -> {
              listeners.add(p.listener());
              clusters.put(p.adminCluster().getName(), p.adminCluster());
            });

    List<Secret> secrets = identity.map(id -> secrets(mesh, id)).orElse(List.of());
    ProxyConfig generated =
        new ProxyConfig(List.copyOf(clusters.values()), endpoints, listeners, routes, secrets);
    return ProxyTemplates.apply(state, dataplane, inboundTagSets, generated);
  }

  /** The EDS cluster of {@code key}, with its connection policies and load balancer. */
  private static Cluster outboundCluster(
      MeshState state,
      ClusterKey key,
      TrafficRouteSpec.LoadBalancer loadBalancer,
      OutboundPolicies policies) {
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setName(key.name())
            .setType(Cluster.DiscoveryType.EDS)
            .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(Xds.ADS));
    if (state.mtlsEnabled()) {
      cluster.setTransportSocket(Xds.tls(TlsContexts.outbound(state.meshName(), key)));
    }
    Protocol protocol = state.index().protocol(key.service());
    ClusterPolicies.apply(policies, key.service(), protocol, cluster);
    HttpUpstreams.apply(cluster, protocol);
    LoadBalancers.apply(loadBalancer, cluster);
    return cluster.build();
  }

  private static List<Secret> secrets(String mesh, Identity id) {
    return List.of(
        Secret.newBuilder()
            .setName(Xds.identityCertSecret(mesh))
            .setTlsCertificate(
                TlsCertificate.newBuilder()
                    .setCertificateChain(DataSource.newBuilder().setInlineString(id.certChainPem()))
                    .setPrivateKey(DataSource.newBuilder().setInlineString(id.privateKeyPem())))
            .build(),
        Secret.newBuilder()
            .setName(Xds.meshCaSecret(mesh))
            .setValidationContext(
                CertificateValidationContext.newBuilder()
                    .setTrustedCa(DataSource.newBuilder().setInlineString(id.trustedCaPem())))
            .build());
  }
}

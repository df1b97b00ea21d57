package io.meshfed.dp;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.KeepaliveSettings;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The Envoy bootstrap {@code dp run} writes: the node identity, the admin listener on loopback, ADS
 * over gRPC for listeners and clusters, and one static cluster to the zone's xDS server with one
 * endpoint per zone control plane replica: round robin, so that when the replica Envoy streams from
 * goes away, the ADS stream reconnects to another one (Envoy keeps its last config meanwhile).
 */
final class BootstrapConfig {
  /** The static cluster Envoy dials for ADS. */
  static final String XDS_CLUSTER = "meshfed_xds";

  static final String META_PROXY_TYPE = "meshfed.io/proxy-type";
  static final String META_MESH = "meshfed.io/mesh";
  static final String META_NAME = "meshfed.io/name";

  /**
   * Envoy's admin port, as Kuma's kuma-dp sends it (a string): the zone routes the metrics endpoint
   * of the mesh's prometheus backend to it.
   */
  static final String META_ADMIN_PORT = "dataplane.admin.port";

  /**
   * The FIFO {@code meshfed dp run} reads for the mesh's {@code tcp} logging backends (kuma-dp's
   * field name): the zone points Envoy's file access logger at it.
   */
  static final String META_ACCESS_LOG_SOCKET_PATH = "accessLogSocketPath";

  private static final String HTTP_PROTOCOL_OPTIONS =
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

  private BootstrapConfig() {}

  /**
   * Everything that varies between bootstraps.
   *
   * @param nodeId Envoy's {@code node.id}
   * @param cluster Envoy's {@code node.cluster}
   * @param proxyType sidecar or ingress, into the node metadata
   * @param mesh the mesh, into the node metadata
   * @param name the resource name, into the node metadata
   * @param adminPort the admin listener's port on 127.0.0.1
   * @param xds where the zone's xDS servers listen, one per replica (at least one)
   * @param dataplaneToken sent as {@code authorization} in the ADS call's {@code initial_metadata};
   *     empty: none
   * @param accessLogSocketPath the access log FIFO, into the node metadata; empty: none
   */
  record Params(
      String nodeId,
      String cluster,
      ProxyType proxyType,
      String mesh,
      String name,
      int adminPort,
      List<XdsAddress> xds,
      Optional<String> dataplaneToken,
      Optional<String> accessLogSocketPath) {
    Params(
        String nodeId,
        String cluster,
        ProxyType proxyType,
        String mesh,
        String name,
        int adminPort,
        List<XdsAddress> xds,
        Optional<String> dataplaneToken) {
      this(
          nodeId, cluster, proxyType, mesh, name, adminPort, xds, dataplaneToken, Optional.empty());
    }

    Params(
        String nodeId,
        String cluster,
        ProxyType proxyType,
        String mesh,
        String name,
        int adminPort,
        XdsAddress xds,
        Optional<String> dataplaneToken) {
      this(
          nodeId,
          cluster,
          proxyType,
          mesh,
          name,
          adminPort,
          List.of(xds),
          dataplaneToken,
          Optional.empty());
    }

    /** These params with another admin port. */
    Params withAdminPort(int port) {
      return new Params(
          nodeId, cluster, proxyType, mesh, name, port, xds, dataplaneToken, accessLogSocketPath);
    }

    /** These params with the access log FIFO. */
    Params withAccessLogSocketPath(String path) {
      return new Params(
          nodeId,
          cluster,
          proxyType,
          mesh,
          name,
          adminPort,
          xds,
          dataplaneToken,
          Optional.of(path));
    }

    Params(
        String nodeId,
        String cluster,
        ProxyType proxyType,
        String mesh,
        String name,
        int adminPort,
        XdsAddress xds) {
      this(nodeId, cluster, proxyType, mesh, name, adminPort, xds, Optional.empty());
    }

    Params {
      Objects.requireNonNull(dataplaneToken, "dataplaneToken");
      Objects.requireNonNull(accessLogSocketPath, "accessLogSocketPath");
      Objects.requireNonNull(nodeId, "nodeId");
      Objects.requireNonNull(cluster, "cluster");
      Objects.requireNonNull(proxyType, "proxyType");
      Objects.requireNonNull(mesh, "mesh");
      Objects.requireNonNull(name, "name");
      xds = List.copyOf(Objects.requireNonNull(xds, "xds"));
      if (xds.isEmpty()) {
        throw new IllegalArgumentException("no xDS address (expected at least one HOST:PORT)");
      }
      if (adminPort < 1 || adminPort > 65535) {
        throw new IllegalArgumentException(
            "admin port " + adminPort + " is out of range (expected 1-65535)");
      }
    }
  }

  static Bootstrap build(Params p) {
    GrpcService.Builder ads =
        GrpcService.newBuilder()
            .setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName(XDS_CLUSTER));
    p.dataplaneToken()
        .ifPresent(
            t ->
                ads.addInitialMetadata(
                    HeaderValue.newBuilder().setKey("authorization").setValue("Bearer " + t)));
    ConfigSource viaAds =
        ConfigSource.newBuilder()
            .setAds(AggregatedConfigSource.getDefaultInstance())
            .setResourceApiVersion(ApiVersion.V3)
            .build();
    Struct.Builder metadata =
        Struct.newBuilder()
            .putFields(META_PROXY_TYPE, string(p.proxyType().wireName()))
            .putFields(META_MESH, string(p.mesh()))
            .putFields(META_NAME, string(p.name()))
            .putFields(META_ADMIN_PORT, string(String.valueOf(p.adminPort())));
    p.accessLogSocketPath()
        .ifPresent(path -> metadata.putFields(META_ACCESS_LOG_SOCKET_PATH, string(path)));
    return Bootstrap.newBuilder()
        .setNode(Node.newBuilder().setId(p.nodeId()).setCluster(p.cluster()).setMetadata(metadata))
        .setAdmin(Admin.newBuilder().setAddress(address("127.0.0.1", p.adminPort())))
        .setDynamicResources(
            Bootstrap.DynamicResources.newBuilder()
                .setAdsConfig(
                    ApiConfigSource.newBuilder()
                        .setApiType(ApiConfigSource.ApiType.GRPC)
                        .setTransportApiVersion(ApiVersion.V3)
                        .addGrpcServices(ads))
                .setCdsConfig(viaAds)
                .setLdsConfig(viaAds))
        .setStaticResources(Bootstrap.StaticResources.newBuilder().addClusters(xdsCluster(p.xds())))
        .build();
  }

  private static Cluster xdsCluster(List<XdsAddress> xds) {
    HttpProtocolOptions http2 =
        HttpProtocolOptions.newBuilder()
            .setExplicitHttpConfig(
                HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                    .setHttp2ProtocolOptions(
                        Http2ProtocolOptions.newBuilder()
                            .setConnectionKeepalive(
                                KeepaliveSettings.newBuilder()
                                    .setInterval(seconds(10))
                                    .setTimeout(seconds(5)))))
            .build();
    LocalityLbEndpoints.Builder endpoints = LocalityLbEndpoints.newBuilder();
    for (XdsAddress a : xds) {
      endpoints.addLbEndpoints(
          LbEndpoint.newBuilder()
              .setEndpoint(Endpoint.newBuilder().setAddress(address(a.host(), a.port()))));
    }
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setName(XDS_CLUSTER)
            .setConnectTimeout(seconds(1))
            .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
            .putTypedExtensionProtocolOptions(HTTP_PROTOCOL_OPTIONS, Any.pack(http2))
            .setLoadAssignment(
                ClusterLoadAssignment.newBuilder()
                    .setClusterName(XDS_CLUSTER)
                    .addEndpoints(endpoints));
    if (xds.stream().allMatch(XdsAddress::isIpLiteral)) {
      cluster.setType(Cluster.DiscoveryType.STATIC);
    } else {
      cluster
          .setType(Cluster.DiscoveryType.STRICT_DNS)
          .setDnsLookupFamily(Cluster.DnsLookupFamily.V4_PREFERRED);
    }
    return cluster.build();
  }

  private static Address address(String host, int port) {
    return Address.newBuilder()
        .setSocketAddress(SocketAddress.newBuilder().setAddress(host).setPortValue(port))
        .build();
  }

  private static Value string(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  private static Duration seconds(long s) {
    return Duration.newBuilder().setSeconds(s).build();
  }
}

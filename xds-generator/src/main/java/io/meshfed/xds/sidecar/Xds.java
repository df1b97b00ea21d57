package io.meshfed.xds.sidecar;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Message;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Small Envoy building blocks shared by the sidecar's inbound and outbound parts. */
final class Xds {
  static final String TLS_SOCKET = "envoy.transport_sockets.tls";
  static final String TCP_PROXY = "envoy.filters.network.tcp_proxy";

  /**
   * The HTTP connection manager's filter name. Envoy finds the filter by its typed config, so the
   * name only labels it; this is the one java-control-plane's {@code Snapshot.ensureConsistent}
   * (run by the zone before publishing) looks for when it collects a listener's RDS references.
   * Under the newer {@code envoy.filters.network.http_connection_manager} the check sees no
   * reference, and refuses every snapshot that carries a route configuration.
   */
  static final String HTTP_CONNECTION_MANAGER = "envoy.http_connection_manager";

  static final String NETWORK_RBAC = "envoy.filters.network.rbac";
  static final String ROUTER = "envoy.filters.http.router";

  /** Every EDS and SDS reference: the one ADS stream, v3. */
  static final ConfigSource ADS =
      ConfigSource.newBuilder()
          .setAds(AggregatedConfigSource.getDefaultInstance())
          .setResourceApiVersion(ApiVersion.V3)
          .build();

  private Xds() {}

  static String identityCertSecret(String mesh) {
    return "identity_cert:" + mesh;
  }

  static String meshCaSecret(String mesh) {
    return "mesh_ca:" + mesh;
  }

  static SdsSecretConfig sds(String secretName) {
    return SdsSecretConfig.newBuilder().setName(secretName).setSdsConfig(ADS).build();
  }

  static Address address(String host, int port) {
    return Address.newBuilder()
        .setSocketAddress(SocketAddress.newBuilder().setAddress(host).setPortValue(port))
        .build();
  }

  static LbEndpoint endpoint(String host, int port, int weight) {
    return LbEndpoint.newBuilder()
        .setEndpoint(Endpoint.newBuilder().setAddress(address(host, port)))
        .setLoadBalancingWeight(UInt32Value.of(weight))
        .build();
  }

  /** Type URLs by message type: one string for all the {@code Any}s of a type. */
  private static final Map<Descriptor, String> TYPE_URLS = new ConcurrentHashMap<>();

  /**
   * {@code Any.pack(message)}, with the type URL string of earlier packs of its type: {@code
   * Any.pack} builds the URL anew for each {@code Any}, and every proxy holds its own listener's.
   */
  static Any pack(Message message) {
    String typeUrl =
        TYPE_URLS.computeIfAbsent(
            message.getDescriptorForType(), d -> "type.googleapis.com/" + d.getFullName());
    return Any.newBuilder().setTypeUrl(typeUrl).setValue(message.toByteString()).build();
  }

  static Filter filter(String name, Message config) {
    return Filter.newBuilder().setName(name).setTypedConfig(pack(config)).build();
  }

  static TransportSocket tls(Message tlsContext) {
    return TransportSocket.newBuilder()
        .setName(TLS_SOCKET)
        .setTypedConfig(pack(tlsContext))
        .build();
  }

  /** A stat prefix from a resource name: every character outside [A-Za-z0-9] becomes '_'. */
  static String statPrefix(String name) {
    StringBuilder out = new StringBuilder(name.length());
    // by code point, as the regular expression [^A-Za-z0-9] matched: one '_' per character
    name.codePoints()
        .forEach(
            c ->
                out.append(
                    (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                        ? (char) c
                        : '_'));
    return out.toString();
  }
}

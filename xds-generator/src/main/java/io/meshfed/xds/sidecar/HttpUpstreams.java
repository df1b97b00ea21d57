package io.meshfed.xds.sidecar;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.meshfed.xds.Protocol;
import java.util.function.Consumer;

/**
 * The HTTP options of a cluster to its endpoints, one {@code HttpProtocolOptions} under {@code
 * typed_extension_protocol_options} that several parts fill in turn (see {@link #update}): the HTTP
 * version, HTTP/2 with prior knowledge for {@code http2} and {@code grpc} services (explicit {@code
 * http2_protocol_options}), Envoy's default, HTTP/1.1, for everything else; and the connection
 * timeouts of the Timeout policy ({@link HttpTimeouts}).
 */
final class HttpUpstreams {
  static final String PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

  private HttpUpstreams() {}

  /** {@code cluster}, speaking HTTP/2 to its endpoints when {@code protocol} says so. */
  static Cluster.Builder apply(Cluster.Builder cluster, Protocol protocol) {
    if (protocol.http2()) {
      update(
          cluster,
          options ->
              options.setExplicitHttpConfig(
                  HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                      .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance())));
    }
    return cluster;
  }

  /**
   * Changes the cluster's {@code HttpProtocolOptions}, keeping what earlier parts set. Envoy
   * requires an upstream protocol in them: explicit HTTP/1.1 (its default) when no part chose one.
   */
  static void update(Cluster.Builder cluster, Consumer<HttpProtocolOptions.Builder> change) {
    Any existing = cluster.getTypedExtensionProtocolOptionsMap().get(PROTOCOL_OPTIONS);
    HttpProtocolOptions.Builder options;
    try {
      options =
          existing == null
              ? HttpProtocolOptions.newBuilder()
              : existing.unpack(HttpProtocolOptions.class).toBuilder();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(
          cluster.getName() + ": " + PROTOCOL_OPTIONS + ": " + e.getMessage(), e);
    }
    change.accept(options);
    if (options.getUpstreamProtocolOptionsCase()
        == HttpProtocolOptions.UpstreamProtocolOptionsCase.UPSTREAMPROTOCOLOPTIONS_NOT_SET) {
      options.setExplicitHttpConfig(
          HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
              .setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance()));
    }
    cluster.putTypedExtensionProtocolOptions(PROTOCOL_OPTIONS, Xds.pack(options.build()));
  }
}

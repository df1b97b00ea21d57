package io.meshfed.xds.sidecar;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.meshfed.xds.Protocol;

/**
 * The HTTP version a cluster speaks to its endpoints: HTTP/2 with prior knowledge for {@code http2}
 * and {@code grpc} services (explicit {@code http2_protocol_options} under {@code
 * typed_extension_protocol_options}); Envoy's default, HTTP/1.1, for everything else.
 */
final class HttpUpstreams {
  static final String PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

  private static final Any HTTP2 =
      Any.pack(
          HttpProtocolOptions.newBuilder()
              .setExplicitHttpConfig(
                  HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                      .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
              .build());

  private HttpUpstreams() {}

  /** {@code cluster}, speaking HTTP/2 to its endpoints when {@code protocol} says so. */
  static Cluster.Builder apply(Cluster.Builder cluster, Protocol protocol) {
    if (protocol.http2()) {
      cluster.putTypedExtensionProtocolOptions(PROTOCOL_OPTIONS, HTTP2);
    }
    return cluster;
  }
}

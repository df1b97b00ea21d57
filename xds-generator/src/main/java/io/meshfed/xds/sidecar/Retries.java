package io.meshfed.xds.sidecar;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.meshfed.model.Resource;
import io.meshfed.model.spec.RetrySpec;
import java.util.Optional;

/**
 * The Retry policy on a TCP outbound: {@code conf.tcp.maxConnectAttempts} is the {@code
 * tcp_proxy}'s {@code max_connect_attempts}. The {@code http} and {@code grpc} parts apply to HTTP
 * outbounds, see {@link HttpRetries}.
 */
final class Retries {
  private Retries() {}

  static void tcpProxy(Optional<Resource> retry, TcpProxy.Builder tcp) {
    retry
        .map(r -> r.spec(RetrySpec.class).conf())
        .map(RetrySpec.Conf::tcp)
        .map(RetrySpec.Tcp::maxConnectAttempts)
        .ifPresent(attempts -> tcp.setMaxConnectAttempts(UInt32Value.of(attempts)));
  }
}

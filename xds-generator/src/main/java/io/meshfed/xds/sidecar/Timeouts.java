package io.meshfed.xds.sidecar;

import com.google.protobuf.Duration;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.meshfed.model.Resource;
import io.meshfed.model.spec.TimeoutSpec;
import java.util.Optional;

/**
 * The Timeout policy on an outbound: {@code conf.connectTimeout} is the cluster's {@code
 * connect_timeout} (5 s without one, Kuma's default), {@code conf.tcp.idleTimeout} the {@code
 * tcp_proxy}'s {@code idle_timeout} (Envoy's default, 1 h, without one; {@code 0s} disables it).
 * The {@code http} and {@code grpc} parts apply to HTTP outbounds, see {@link HttpTimeouts}.
 */
final class Timeouts {
  static final Duration DEFAULT_CONNECT_TIMEOUT = Durations.fromSeconds(5);

  private Timeouts() {}

  static Duration connectTimeout(Optional<Resource> timeout) {
    return timeout
        .filter(t -> conf(t) != null && conf(t).connectTimeout() != null)
        .map(t -> GoDurations.of(conf(t).connectTimeout(), t, "conf.connectTimeout"))
        .orElse(DEFAULT_CONNECT_TIMEOUT);
  }

  static void tcpProxy(Optional<Resource> timeout, TcpProxy.Builder tcp) {
    timeout
        .filter(t -> conf(t) != null && conf(t).tcp() != null)
        .filter(t -> conf(t).tcp().idleTimeout() != null)
        .ifPresent(
            t ->
                tcp.setIdleTimeout(
                    GoDurations.of(conf(t).tcp().idleTimeout(), t, "conf.tcp.idleTimeout")));
  }

  private static TimeoutSpec.Conf conf(Resource timeout) {
    return timeout.spec(TimeoutSpec.class).conf();
  }
}

package io.meshfed.xds.sidecar;

import com.google.protobuf.Duration;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.meshfed.model.Resource;
import io.meshfed.model.spec.TimeoutSpec;
import io.meshfed.xds.Protocol;
import java.util.Optional;

/**
 * The Timeout policy's {@code http} and {@code grpc} parts on an HTTP outbound ({@code http},
 * {@code http2} and {@code grpc} services alike, as in Kuma):
 *
 * <ul>
 *   <li>{@code http.requestTimeout}: the {@code timeout} of every route of the outbound;
 *   <li>{@code http.idleTimeout}: {@code common_http_protocol_options.idle_timeout} of the outbound
 *       connection manager (downstream connections) and of the cluster (upstream connections);
 *   <li>{@code http.streamIdleTimeout}: the connection manager's {@code stream_idle_timeout};
 *   <li>{@code http.maxStreamDuration}: the cluster's {@code
 *       common_http_protocol_options.max_stream_duration} ({@code 0s}: none);
 *   <li>{@code grpc.streamIdleTimeout} and {@code grpc.maxStreamDuration} (deprecated by Kuma in
 *       favour of {@code http}): for {@code grpc} services, when {@code http} leaves the same field
 *       out.
 * </ul>
 *
 * A field left out keeps Envoy's default (route timeout 15 s, idle timeout 1 h, stream idle timeout
 * 5 min, no max stream duration); {@code 0s} disables a timeout. TCP services are untouched here.
 *
 * <p>HTTP inbounds get Kuma's fixed inbound timeouts, not the policy's: no route timeout (the
 * caller's outbound decides when a request has taken too long), stream idle timeout 1 h and idle
 * timeout 2 h, each longer than the outbound defaults so that the calling side gives up first.
 */
final class HttpTimeouts {
  static final Duration INBOUND_ROUTE_TIMEOUT = Durations.ZERO;
  static final Duration INBOUND_STREAM_IDLE_TIMEOUT = Durations.fromHours(1);
  static final Duration INBOUND_IDLE_TIMEOUT = Durations.fromHours(2);

  private HttpTimeouts() {}

  /** Every route of {@code vhost} that forwards gets {@code http.requestTimeout}. */
  static void routes(Optional<Resource> timeout, VirtualHost.Builder vhost) {
    Optional<Duration> request =
        http(timeout)
            .flatMap(h -> duration(timeout, h.requestTimeout(), "conf.http.requestTimeout"));
    request.ifPresent(
        d -> {
          for (Route.Builder route : vhost.getRoutesBuilderList()) {
            if (route.hasRoute()) {
              route.getRouteBuilder().setTimeout(d);
            }
          }
        });
  }

  /** The outbound connection manager's idle and stream idle timeouts. */
  static void connectionManager(
      Optional<Resource> timeout, Protocol protocol, HttpConnectionManager.Builder hcm) {
    http(timeout)
        .flatMap(h -> duration(timeout, h.idleTimeout(), "conf.http.idleTimeout"))
        .ifPresent(d -> hcm.setCommonHttpProtocolOptions(idle(hcm, d)));
    Optional<Duration> streamIdle =
        http(timeout)
            .flatMap(h -> duration(timeout, h.streamIdleTimeout(), "conf.http.streamIdleTimeout"));
    if (streamIdle.isEmpty() && protocol == Protocol.GRPC) {
      streamIdle =
          grpc(timeout)
              .flatMap(
                  g -> duration(timeout, g.streamIdleTimeout(), "conf.grpc.streamIdleTimeout"));
    }
    streamIdle.ifPresent(hcm::setStreamIdleTimeout);
  }

  /** The outbound cluster's idle timeout and max stream duration, for HTTP services only. */
  static void cluster(Optional<Resource> timeout, Protocol protocol, Cluster.Builder cluster) {
    if (!protocol.http()) {
      return;
    }
    Optional<Duration> idle =
        http(timeout).flatMap(h -> duration(timeout, h.idleTimeout(), "conf.http.idleTimeout"));
    Optional<Duration> maxStream =
        http(timeout)
            .flatMap(h -> duration(timeout, h.maxStreamDuration(), "conf.http.maxStreamDuration"))
            .filter(d -> !d.equals(Durations.ZERO));
    if (maxStream.isEmpty() && protocol == Protocol.GRPC) {
      maxStream =
          grpc(timeout)
              .flatMap(g -> duration(timeout, g.maxStreamDuration(), "conf.grpc.maxStreamDuration"))
              .filter(d -> !d.equals(Durations.ZERO));
    }
    if (idle.isEmpty() && maxStream.isEmpty()) {
      return;
    }
    HttpProtocolOptions.Builder common = HttpProtocolOptions.newBuilder();
    idle.ifPresent(common::setIdleTimeout);
    maxStream.ifPresent(common::setMaxStreamDuration);
    HttpUpstreams.update(cluster, options -> options.setCommonHttpProtocolOptions(common));
  }

  /** Kuma's fixed inbound timeouts on an HTTP inbound's connection manager. */
  static void inboundConnectionManager(HttpConnectionManager.Builder hcm) {
    hcm.setStreamIdleTimeout(INBOUND_STREAM_IDLE_TIMEOUT)
        .setCommonHttpProtocolOptions(idle(hcm, INBOUND_IDLE_TIMEOUT));
  }

  private static HttpProtocolOptions idle(HttpConnectionManager.Builder hcm, Duration d) {
    return hcm.getCommonHttpProtocolOptions().toBuilder().setIdleTimeout(d).build();
  }

  private static Optional<TimeoutSpec.Http> http(Optional<Resource> timeout) {
    return timeout.map(HttpTimeouts::conf).map(TimeoutSpec.Conf::http);
  }

  private static Optional<TimeoutSpec.Grpc> grpc(Optional<Resource> timeout) {
    return timeout.map(HttpTimeouts::conf).map(TimeoutSpec.Conf::grpc);
  }

  private static TimeoutSpec.Conf conf(Resource timeout) {
    return timeout.spec(TimeoutSpec.class).conf();
  }

  private static Optional<Duration> duration(
      Optional<Resource> timeout, String text, String field) {
    return text == null
        ? Optional.empty()
        : Optional.of(GoDurations.of(text, timeout.get(), field));
  }
}

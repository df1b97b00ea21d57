package io.meshfed.xds.sidecar;

import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.health_check.event_sinks.file.v3.HealthCheckEventFileSink;
import io.envoyproxy.envoy.type.v3.CodecClientType;
import io.envoyproxy.envoy.type.v3.Int64Range;
import io.envoyproxy.envoy.type.v3.Percent;
import io.meshfed.model.Resource;
import io.meshfed.model.spec.HealthCheckSpec;
import io.meshfed.xds.Protocol;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The HealthCheck policy on an outbound cluster (its endpoints local instances or remote zone
 * ingresses alike), mapped as Kuma maps it:
 *
 * <ul>
 *   <li>one {@code health_checks} entry (Envoy wants a name on each of several, and this API
 *       version has no such field): an HTTP check from {@code conf.http} ({@code path}, {@code
 *       expectedStatuses} as one-status ranges, {@code requestHeadersToAdd}, {@code append: false}
 *       as overwrite) when the service speaks HTTP or {@code conf.tcp} is absent; else a TCP check
 *       from {@code conf.tcp} ({@code send} and {@code receive}, base64 in the policy, hex payloads
 *       in Envoy), a bare connect check when both are absent. It has the policy's {@code interval},
 *       {@code timeout}, thresholds, jitters, {@code noTrafficInterval}, {@code reuseConnection},
 *       {@code alwaysLogHealthCheckFailures}, and {@code eventLogPath} as the file event sink
 *       (Envoy's replacement for its deprecated {@code event_log_path});
 *   <li>{@code healthyPanicThreshold} → {@code common_lb_config.healthy_panic_threshold}; {@code
 *       failTrafficOnPanic} → {@code common_lb_config.zone_aware_lb_config .fail_traffic_on_panic}
 *       (honoured by the default round-robin load balancer).
 * </ul>
 *
 * <p>A checked cluster sets {@code ignore_health_on_host_removal}: without it Envoy keeps an
 * endpoint that EDS removed for as long as it passes its checks.
 */
final class HealthChecks {
  static final String FILE_EVENT_SINK = "envoy.health_check.event_sinks.file";

  private HealthChecks() {}

  /**
   * @param protocol what the cluster's service speaks (see {@link
   *     io.meshfed.xds.MeshIndex#protocol}): an HTTP check of an {@code http2} or {@code grpc}
   *     service speaks HTTP/2
   */
  static void apply(Optional<Resource> healthCheck, Protocol protocol, Cluster.Builder cluster) {
    if (healthCheck.isEmpty()) {
      return;
    }
    Resource policy = healthCheck.get();
    HealthCheckSpec.Conf conf = policy.spec(HealthCheckSpec.class).conf();
    if (conf == null) {
      return;
    }
    HealthCheck.Builder check = common(policy, conf);
    if (conf.http() != null && (protocol.http() || conf.tcp() == null)) {
      HealthCheck.HttpHealthCheck.Builder http = http(conf.http()).toBuilder();
      if (protocol.http2()) {
        http.setCodecClientType(CodecClientType.HTTP2);
      }
      check.setHttpHealthCheck(http);
    } else if (conf.tcp() != null) {
      check.setTcpHealthCheck(tcp(policy, conf.tcp()));
    } else {
      check.setTcpHealthCheck(HealthCheck.TcpHealthCheck.getDefaultInstance());
    }
    cluster.addHealthChecks(check);
    // The control plane decides which endpoints exist: one it removes (a zone marked offline, an
    // instance scaled down) goes at once, even while it still passes the checks.
    cluster.setIgnoreHealthOnHostRemoval(true);
    if (conf.healthyPanicThreshold() != null) {
      cluster
          .getCommonLbConfigBuilder()
          .setHealthyPanicThreshold(Percent.newBuilder().setValue(conf.healthyPanicThreshold()));
    }
    if (conf.failTrafficOnPanic() != null) {
      cluster
          .getCommonLbConfigBuilder()
          .getZoneAwareLbConfigBuilder()
          .setFailTrafficOnPanic(conf.failTrafficOnPanic());
    }
  }

  private static HealthCheck.Builder common(Resource policy, HealthCheckSpec.Conf conf) {
    HealthCheck.Builder hc =
        HealthCheck.newBuilder()
            .setInterval(GoDurations.of(conf.interval(), policy, "conf.interval"))
            .setTimeout(GoDurations.of(conf.timeout(), policy, "conf.timeout"))
            .setUnhealthyThreshold(UInt32Value.of(conf.unhealthyThreshold()))
            .setHealthyThreshold(UInt32Value.of(conf.healthyThreshold()));
    if (conf.initialJitter() != null) {
      hc.setInitialJitter(GoDurations.of(conf.initialJitter(), policy, "conf.initialJitter"));
    }
    if (conf.intervalJitter() != null) {
      hc.setIntervalJitter(GoDurations.of(conf.intervalJitter(), policy, "conf.intervalJitter"));
    }
    if (conf.intervalJitterPercent() != null) {
      hc.setIntervalJitterPercent(conf.intervalJitterPercent());
    }
    if (conf.noTrafficInterval() != null) {
      hc.setNoTrafficInterval(
          GoDurations.of(conf.noTrafficInterval(), policy, "conf.noTrafficInterval"));
    }
    if (conf.reuseConnection() != null) {
      hc.setReuseConnection(BoolValue.of(conf.reuseConnection()));
    }
    if (conf.alwaysLogHealthCheckFailures() != null) {
      hc.setAlwaysLogHealthCheckFailures(conf.alwaysLogHealthCheckFailures());
    }
    if (conf.eventLogPath() != null && !conf.eventLogPath().isEmpty()) {
      hc.addEventLogger(
          TypedExtensionConfig.newBuilder()
              .setName(FILE_EVENT_SINK)
              .setTypedConfig(
                  Xds.pack(
                      HealthCheckEventFileSink.newBuilder()
                          .setEventLogPath(conf.eventLogPath())
                          .build())));
    }
    return hc;
  }

  private static HealthCheck.TcpHealthCheck tcp(Resource policy, HealthCheckSpec.Tcp tcp) {
    HealthCheck.TcpHealthCheck.Builder b = HealthCheck.TcpHealthCheck.newBuilder();
    if (tcp.send() != null && !tcp.send().isEmpty()) {
      b.setSend(payload(policy, "conf.tcp.send", tcp.send()));
    }
    for (int i = 0; i < tcp.receive().size(); i++) {
      b.addReceive(payload(policy, "conf.tcp.receive[" + i + "]", tcp.receive().get(i)));
    }
    return b.build();
  }

  private static HealthCheck.Payload payload(Resource policy, String field, String base64) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(base64.replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          policy.key() + ": " + field + ": is not valid base64: " + e.getMessage(), e);
    }
    return HealthCheck.Payload.newBuilder().setText(HexFormat.of().formatHex(bytes)).build();
  }

  private static HealthCheck.HttpHealthCheck http(HealthCheckSpec.Http http) {
    HealthCheck.HttpHealthCheck.Builder b =
        HealthCheck.HttpHealthCheck.newBuilder().setPath(http.path());
    for (Integer status : http.expectedStatuses()) {
      b.addExpectedStatuses(Int64Range.newBuilder().setStart(status).setEnd(status + 1L));
    }
    for (HealthCheckSpec.HeaderValueOption h : http.requestHeadersToAdd()) {
      HeaderValueOption.Builder option =
          HeaderValueOption.newBuilder()
              .setHeader(
                  HeaderValue.newBuilder()
                      .setKey(h.header().key())
                      .setValue(h.header().value() == null ? "" : h.header().value()));
      if (Boolean.FALSE.equals(h.append())) {
        option.setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD);
      }
      b.addRequestHeadersToAdd(option);
    }
    return b.build();
  }
}

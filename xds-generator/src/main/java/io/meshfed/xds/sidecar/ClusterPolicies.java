package io.meshfed.xds.sidecar;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.meshfed.model.StandardTypes;
import io.meshfed.xds.Protocol;

/**
 * The connection policies of an outbound cluster of service S, each the one that applies to the
 * proxy's traffic to S: Timeout ({@code connect_timeout}, see {@link Timeouts}; for HTTP services
 * also the HTTP idle timeout and max stream duration, see {@link HttpTimeouts}), CircuitBreaker
 * ({@code circuit_breakers}, {@code outlier_detection}, see {@link CircuitBreakers}), HealthCheck
 * ({@code health_checks}, {@code common_lb_config}, see {@link HealthChecks}).
 */
final class ClusterPolicies {
  private ClusterPolicies() {}

  /**
   * @param protocol what {@code service} speaks (see {@link io.meshfed.xds.MeshIndex#protocol})
   */
  static void apply(
      OutboundPolicies policies, String service, Protocol protocol, Cluster.Builder cluster) {
    cluster.setConnectTimeout(
        Timeouts.connectTimeout(policies.get(StandardTypes.TIMEOUT, service)));
    HttpTimeouts.cluster(policies.get(StandardTypes.TIMEOUT, service), protocol, cluster);
    CircuitBreakers.apply(policies.get(StandardTypes.CIRCUIT_BREAKER, service), cluster);
    HealthChecks.apply(policies.get(StandardTypes.HEALTH_CHECK, service), protocol, cluster);
  }
}

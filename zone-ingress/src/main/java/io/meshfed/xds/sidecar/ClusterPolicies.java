package io.meshfed.xds.sidecar;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.meshfed.model.StandardTypes;

/**
 * The connection policies of an outbound cluster of service S, each the one that applies to the
 * proxy's traffic to S: Timeout ({@code connect_timeout}, see {@link Timeouts}), CircuitBreaker
 * ({@code circuit_breakers}, {@code outlier_detection}, see {@link CircuitBreakers}).
 */
final class ClusterPolicies {
  private ClusterPolicies() {}

  static void apply(OutboundPolicies policies, String service, Cluster.Builder cluster) {
    cluster.setConnectTimeout(
        Timeouts.connectTimeout(policies.get(StandardTypes.TIMEOUT, service)));
    CircuitBreakers.apply(policies.get(StandardTypes.CIRCUIT_BREAKER, service), cluster);
  }
}

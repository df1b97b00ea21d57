package io.meshfed.xds.sidecar;

import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.meshfed.model.StandardTypes;

/**
 * The connection policies of the {@code tcp_proxy} of a TCP outbound to service S, each the one
 * that applies to the proxy's traffic to S: Timeout ({@code idle_timeout}, see {@link Timeouts}),
 * Retry ({@code max_connect_attempts}, see {@link Retries}).
 */
final class TcpProxyPolicies {
  private TcpProxyPolicies() {}

  static void apply(OutboundPolicies policies, String service, TcpProxy.Builder tcp) {
    Timeouts.tcpProxy(policies.get(StandardTypes.TIMEOUT, service), tcp);
    Retries.tcpProxy(policies.get(StandardTypes.RETRY, service), tcp);
  }
}

package io.meshfed.xds.sidecar;

import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.meshfed.model.StandardTypes;
import io.meshfed.xds.Protocol;

/**
 * The connection policies of the {@code http_connection_manager} of an HTTP outbound to service S,
 * each the one that applies to the proxy's traffic to S: Timeout (route {@code timeout}, {@code
 * stream_idle_timeout}, idle timeout, see {@link HttpTimeouts}), Retry (the virtual host's {@code
 * retry_policy}, see {@link HttpRetries}). As in Kuma, the policies of S govern every route of the
 * outbound, also routes that a TrafficRoute sends to another service's cluster.
 */
final class HttpRoutePolicies {
  private HttpRoutePolicies() {}

  /** Applies them to {@code hcm}, whose routes are inline ({@code route_config}). */
  static void apply(
      OutboundPolicies policies,
      String service,
      Protocol protocol,
      HttpConnectionManager.Builder hcm) {
    var timeout = policies.get(StandardTypes.TIMEOUT, service);
    var retry = policies.get(StandardTypes.RETRY, service);
    HttpTimeouts.connectionManager(timeout, protocol, hcm);
    for (VirtualHost.Builder vhost : hcm.getRouteConfigBuilder().getVirtualHostsBuilderList()) {
      HttpTimeouts.routes(timeout, vhost);
      HttpRetries.virtualHost(retry, protocol, vhost);
    }
  }
}

package io.meshfed.xds.sidecar;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.xds.MeshState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The connection policies (Timeout, CircuitBreaker, HealthCheck, Retry) that apply to one proxy's
 * traffic, per destination service, chosen by {@link PolicyMatcher}. Built for one generation of
 * one proxy; answers are remembered per (type, service). Not thread-safe: used by one generation.
 */
final class OutboundPolicies {
  static final List<String> TYPES =
      List.of(
          StandardTypes.TIMEOUT,
          StandardTypes.CIRCUIT_BREAKER,
          StandardTypes.HEALTH_CHECK,
          StandardTypes.RETRY);

  private final MeshState state;
  private final List<Map<String, String>> inboundTagSets;
  // made on the first question about a type: a build whose outbounds all come from a
  // SidecarMemo asks none
  private final Map<String, PolicyMatcher.Outbound> matchers = new HashMap<>();
  private final Map<String, Optional<Resource>> chosen = new HashMap<>();

  private OutboundPolicies(MeshState state, List<Map<String, String>> inboundTagSets) {
    this.state = state;
    this.inboundTagSets = inboundTagSets;
  }

  static OutboundPolicies of(MeshState state, List<Map<String, String>> inboundTagSets) {
    return new OutboundPolicies(state, inboundTagSets);
  }

  /** The policy of {@code type} (one of {@link #TYPES}) for traffic to {@code service}. */
  Optional<Resource> get(String type, String service) {
    if (!TYPES.contains(type)) {
      throw new IllegalArgumentException(type + " (expected one of " + TYPES + ")");
    }
    PolicyMatcher.Outbound matcher =
        matchers.computeIfAbsent(
            type, t -> PolicyMatcher.forProxy(state.policies(t), inboundTagSets));
    return chosen.computeIfAbsent(type + '\n' + service, k -> matcher.best(service));
  }
}

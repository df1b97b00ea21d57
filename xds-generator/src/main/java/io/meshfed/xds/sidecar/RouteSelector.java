package io.meshfed.xds.sidecar;

import io.meshfed.model.Resource;
import io.meshfed.model.spec.TrafficRouteSpec;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Picks the TrafficRoute for one outbound with the policy engine's rules ({@link PolicyMatcher}):
 * specificity of the matching source and destination selectors together, then the newest, then the
 * smaller name. Routes without {@code conf} are not candidates.
 */
final class RouteSelector {
  private RouteSelector() {}

  static Optional<Resource> select(
      List<Resource> routes, List<Map<String, String>> inboundTagSets, String service) {
    List<Resource> usable =
        routes.stream().filter(r -> r.spec(TrafficRouteSpec.class).conf() != null).toList();
    return PolicyMatcher.forProxy(usable, inboundTagSets).best(service);
  }
}

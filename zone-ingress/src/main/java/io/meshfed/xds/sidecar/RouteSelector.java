package io.meshfed.xds.sidecar;

import io.meshfed.model.Resource;
import io.meshfed.model.spec.Selector;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.TrafficRouteSpec;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Picks the TrafficRoute for one outbound, as Kuma ranks policies: among the routes whose {@code
 * sources} match one of the dataplane's inbound tag sets and whose {@code destinations} match
 * {@code kuma.io/service: S}, the one whose best matching source selector has the most exact-valued
 * tags, then the most tags; a tie goes to the smaller resource name. A dataplane without inbounds
 * matches only source selectors whose values are all {@code *}.
 */
final class RouteSelector {
  private RouteSelector() {}

  static Optional<Resource> select(
      List<Resource> routes, List<Map<String, String>> inboundTagSets, String service) {
    Map<String, String> destinationTags = Map.of(Tags.SERVICE, service);
    Resource best = null;
    Selectors.Rank bestRank = null;
    for (Resource r : routes) {
      TrafficRouteSpec spec = r.spec(TrafficRouteSpec.class);
      if (spec.conf() == null) {
        continue;
      }
      boolean toService =
          spec.destinations().stream()
              .anyMatch(d -> d != null && Selectors.matches(d.match(), destinationTags));
      if (!toService) {
        continue;
      }
      Optional<Selectors.Rank> rank = sourceRank(spec.sources(), inboundTagSets);
      if (rank.isEmpty()) {
        continue;
      }
      int c = bestRank == null ? 1 : rank.get().compareTo(bestRank);
      if (c > 0 || (c == 0 && r.name().compareTo(best.name()) < 0)) {
        best = r;
        bestRank = rank.get();
      }
    }
    return Optional.ofNullable(best);
  }

  private static Optional<Selectors.Rank> sourceRank(
      List<Selector> sources, List<Map<String, String>> inboundTagSets) {
    Selectors.Rank best = null;
    for (Selector s : sources) {
      if (s == null || !matchesDataplane(s.match(), inboundTagSets)) {
        continue;
      }
      Selectors.Rank rank = Selectors.Rank.of(s.match());
      if (best == null || rank.compareTo(best) > 0) {
        best = rank;
      }
    }
    return Optional.ofNullable(best);
  }

  private static boolean matchesDataplane(
      Map<String, String> selector, List<Map<String, String>> inboundTagSets) {
    if (inboundTagSets.isEmpty()) {
      return Selectors.onlyWildcards(selector);
    }
    return inboundTagSets.stream().anyMatch(tags -> Selectors.matches(selector, tags));
  }
}

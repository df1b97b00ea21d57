package io.meshfed.xds.ingress;

import io.meshfed.model.Resource;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.TrafficRouteSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The subsets of a service that a mesh's TrafficRoutes send traffic to: every destination tag set
 * ({@code conf.destination}, {@code conf.split[].destination}, {@code conf.http[].destination},
 * {@code conf.http[].split[].destination}) whose {@code kuma.io/service} is the service, minus that
 * tag. A destination with no other tag is the whole service, not a subset, and is left out.
 */
final class RouteSubsets {
  private RouteSubsets() {}

  /** The distinct non-empty subsets of {@code service}, each a map sorted by key. */
  static List<SortedMap<String, String>> of(Collection<Resource> trafficRoutes, String service) {
    List<SortedMap<String, String>> out = new ArrayList<>();
    for (Resource r : trafficRoutes) {
      for (Map<String, String> destination : destinations(r.spec(TrafficRouteSpec.class))) {
        if (!service.equals(destination.get(Tags.SERVICE))) {
          continue;
        }
        SortedMap<String, String> subset = new TreeMap<>(destination);
        subset.remove(Tags.SERVICE);
        if (!subset.isEmpty() && !out.contains(subset)) {
          out.add(subset);
        }
      }
    }
    return List.copyOf(out);
  }

  private static List<Map<String, String>> destinations(TrafficRouteSpec spec) {
    List<Map<String, String>> all = new ArrayList<>();
    TrafficRouteSpec.Conf conf = spec.conf();
    if (conf == null) {
      return all;
    }
    all.add(conf.destination());
    addSplit(all, conf.split());
    for (TrafficRouteSpec.Http http : conf.http()) {
      if (http == null) {
        continue;
      }
      all.add(http.destination());
      addSplit(all, http.split());
    }
    return all;
  }

  private static void addSplit(List<Map<String, String>> all, List<TrafficRouteSpec.Split> split) {
    for (TrafficRouteSpec.Split s : split) {
      if (s != null) {
        all.add(s.destination());
      }
    }
  }
}

package io.meshfed.xds.ingress;

import io.meshfed.model.Resource;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.ZoneIngressSpec.AvailableService;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code availableServices} of a zone's ingresses: what the zone serves to other zones. Every
 * ready inbound of every local Dataplane, in every mesh, grouped by (mesh, full tag set), with the
 * number of inbounds in each group as {@code instances}. Other zones' sidecars turn each entry into
 * one endpoint (the ingress's advertised address) weighted by that count.
 *
 * <p>An inbound without a {@code kuma.io/service} tag cannot be addressed by an SNI and is left
 * out. The result is sorted by mesh, then service, then the tag set written as sorted {@code k=v}
 * pairs, so that equal inputs give equal lists.
 */
public final class AvailableServices {
  /** The order of {@link #compute}'s result. */
  static final Comparator<AvailableService> ORDER =
      Comparator.comparing((AvailableService s) -> nullToEmpty(s.mesh()))
          .thenComparing(s -> nullToEmpty(s.tags().get(Tags.SERVICE)))
          .thenComparing(s -> tagString(s.tags()))
          .thenComparing(AvailableService::tags, AvailableServices::compareTags);

  private AvailableServices() {}

  /**
   * Groups the ready inbounds of {@code localDataplanes} (Dataplane resources of any mesh) by mesh
   * and tag set and counts them.
   *
   * @throws IllegalArgumentException if a resource is not a Dataplane
   */
  public static List<AvailableService> compute(Collection<Resource> localDataplanes) {
    Map<GroupKey, Integer> counts = new HashMap<>();
    for (Resource r : localDataplanes) {
      if (!(r.spec() instanceof DataplaneSpec dp)) {
        throw new IllegalArgumentException(
            r.key()
                + ": spec is "
                + r.spec().getClass().getSimpleName()
                + " (expected: DataplaneSpec)");
      }
      for (DataplaneSpec.Inbound in : dp.inbounds()) {
        if (in == null || !in.ready() || in.service() == null) {
          continue;
        }
        counts.merge(new GroupKey(r.mesh(), in.tags()), 1, Integer::sum);
      }
    }
    List<AvailableService> out = new ArrayList<>(counts.size());
    counts.forEach((k, n) -> out.add(new AvailableService(k.tags(), n, k.mesh(), false)));
    out.sort(ORDER);
    return List.copyOf(out);
  }

  /**
   * True when {@code a} and {@code b} hold the same entries, whatever their order; a missing {@code
   * externalService} counts as false. A zone control plane uses it to skip writing a ZoneIngress
   * whose services did not change.
   */
  public static boolean sameServices(List<AvailableService> a, List<AvailableService> b) {
    return normalized(a).equals(normalized(b));
  }

  private static List<AvailableService> normalized(List<AvailableService> in) {
    List<AvailableService> out = new ArrayList<>();
    for (AvailableService s : in == null ? List.<AvailableService>of() : in) {
      out.add(
          new AvailableService(
              new TreeMap<>(s.tags()),
              s.instances() == null ? 0 : s.instances(),
              s.mesh(),
              Boolean.TRUE.equals(s.externalService())));
    }
    out.sort(ORDER.thenComparing(s -> s.instances()).thenComparing(s -> s.externalService()));
    return out;
  }

  /** Tags as {@code k1=v1,k2=v2} sorted by key: the tie-breaker of the order. */
  static String tagString(Map<String, String> tags) {
    StringBuilder b = new StringBuilder();
    new TreeMap<>(tags)
        .forEach((k, v) -> b.append(b.length() == 0 ? "" : ",").append(k).append('=').append(v));
    return b.toString();
  }

  /** Sorted (key, value) pairs compared one by one; a prefix comes first. */
  static int compareTags(Map<String, String> a, Map<String, String> b) {
    Iterator<Map.Entry<String, String>> ia = new TreeMap<>(a).entrySet().iterator();
    Iterator<Map.Entry<String, String>> ib = new TreeMap<>(b).entrySet().iterator();
    while (ia.hasNext() && ib.hasNext()) {
      Map.Entry<String, String> ea = ia.next();
      Map.Entry<String, String> eb = ib.next();
      int c = ea.getKey().compareTo(eb.getKey());
      if (c == 0) {
        c = ea.getValue().compareTo(eb.getValue());
      }
      if (c != 0) {
        return c;
      }
    }
    return Boolean.compare(ia.hasNext(), ib.hasNext());
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  /** A group: one mesh and one exact tag set. */
  private record GroupKey(String mesh, Map<String, String> tags) {
    GroupKey {
      tags = Map.copyOf(tags);
    }
  }
}

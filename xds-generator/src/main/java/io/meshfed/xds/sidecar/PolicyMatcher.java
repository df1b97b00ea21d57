package io.meshfed.xds.sidecar;

import io.meshfed.model.Resource;
import io.meshfed.model.spec.Selector;
import io.meshfed.model.spec.SourcesDestinations;
import io.meshfed.model.spec.Tags;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which source/destination ("connection") policy of one type applies, with Kuma's rules (docs "How
 * Kuma chooses the right policy to apply"; {@code docs/policies.md} has the rules with examples):
 *
 * <ul>
 *   <li><b>Outbound</b> ({@link #forProxy}, then {@link Outbound#best}): a policy applies to this
 *       proxy's traffic to service S when one of its {@code sources} matches one of the proxy's
 *       inbound tag sets (a proxy without inbounds: only selectors whose values are all {@code *})
 *       and one of its {@code destinations} matches {@code {kuma.io/service: S}}. Its rank is the
 *       rank of its most specific matching source plus that of its most specific matching
 *       destination (see {@link Selectors.Rank}: more tags first, then more exact values).
 *   <li><b>Inbound</b> ({@link #forInbound}): a policy applies to an inbound when one of its {@code
 *       destinations} matches the inbound's tags; its rank is that of its most specific matching
 *       destination.
 * </ul>
 *
 * The highest rank wins; on a tie, the policy created last ({@code creationTime}; a policy without
 * one counts as the oldest), then the smaller name. Pure and independent of the input order.
 */
final class PolicyMatcher {
  /** The preferred candidate first. */
  private static final Comparator<Ranked> PREFERRED =
      Comparator.comparing(Ranked::rank)
          .reversed()
          .thenComparing(r -> created(r.policy()), Comparator.reverseOrder())
          .thenComparing(r -> r.policy().name());

  private PolicyMatcher() {}

  /** A policy and the rank of the match that makes it apply. */
  private record Ranked(Resource policy, Selectors.Rank rank) {}

  /**
   * The policies of one type whose sources match a proxy, ready to be asked per outbound service.
   */
  static final class Outbound {
    private final List<Ranked> bySource;

    private Outbound(List<Ranked> bySource) {
      this.bySource = bySource;
    }

    /** The policy that applies to the proxy's traffic to {@code service}, if any. */
    Optional<Resource> best(String service) {
      Map<String, String> destination = Map.of(Tags.SERVICE, service);
      Ranked best = null;
      for (Ranked candidate : bySource) {
        Optional<Selectors.Rank> rank =
            bestRank(spec(candidate.policy()).destinations(), destination);
        if (rank.isEmpty()) {
          continue;
        }
        Ranked ranked = new Ranked(candidate.policy(), candidate.rank().plus(rank.get()));
        if (best == null || PREFERRED.compare(ranked, best) < 0) {
          best = ranked;
        }
      }
      return best == null ? Optional.empty() : Optional.of(best.policy());
    }
  }

  /**
   * The policies of one type (each spec a {@link SourcesDestinations}) whose sources match a proxy
   * with these inbound tag sets.
   *
   * @throws IllegalArgumentException when a policy's spec has no sources and destinations
   */
  static Outbound forProxy(List<Resource> policies, List<Map<String, String>> inboundTagSets) {
    List<Ranked> bySource = new ArrayList<>();
    for (Resource policy : policies) {
      Selectors.Rank best = null;
      for (Selector source : spec(policy).sources()) {
        if (source == null || !matchesProxy(source.match(), inboundTagSets)) {
          continue;
        }
        Selectors.Rank rank = Selectors.Rank.of(source.match());
        if (best == null || rank.compareTo(best) > 0) {
          best = rank;
        }
      }
      if (best != null) {
        bySource.add(new Ranked(policy, best));
      }
    }
    return new Outbound(List.copyOf(bySource));
  }

  /**
   * The policy of one type that applies to an inbound with these tags, if any: the one with the
   * most specific destination selector matching them.
   */
  static Optional<Resource> forInbound(List<Resource> policies, Map<String, String> inboundTags) {
    return policies.stream()
        .flatMap(
            p -> bestRank(spec(p).destinations(), inboundTags).map(r -> new Ranked(p, r)).stream())
        .min(PREFERRED)
        .map(Ranked::policy);
  }

  /**
   * The dataplane policy (Kuma's {@code selectors} policies, e.g. ProxyTemplate) that applies to a
   * proxy with these inbound tag sets, if any: a policy applies when one of its selectors matches
   * the proxy as a source does in {@link #forProxy}; its rank is that of its most specific matching
   * selector, and ties go as for every other policy.
   */
  static Optional<Resource> forDataplane(
      List<Resource> policies,
      java.util.function.Function<Resource, List<Selector>> selectors,
      List<Map<String, String>> inboundTagSets) {
    Ranked best = null;
    for (Resource policy : policies) {
      for (Selector s : selectors.apply(policy)) {
        if (s == null || !matchesProxy(s.match(), inboundTagSets)) {
          continue;
        }
        Ranked ranked = new Ranked(policy, Selectors.Rank.of(s.match()));
        if (best == null || PREFERRED.compare(ranked, best) < 0) {
          best = ranked;
        }
      }
    }
    return best == null ? Optional.empty() : Optional.of(best.policy());
  }

  private static Optional<Selectors.Rank> bestRank(
      List<Selector> selectors, Map<String, String> tags) {
    Selectors.Rank best = null;
    for (Selector s : selectors) {
      if (s == null || !Selectors.matches(s.match(), tags)) {
        continue;
      }
      Selectors.Rank rank = Selectors.Rank.of(s.match());
      if (best == null || rank.compareTo(best) > 0) {
        best = rank;
      }
    }
    return Optional.ofNullable(best);
  }

  private static boolean matchesProxy(
      Map<String, String> selector, List<Map<String, String>> inboundTagSets) {
    if (inboundTagSets.isEmpty()) {
      return Selectors.onlyWildcards(selector);
    }
    return inboundTagSets.stream().anyMatch(tags -> Selectors.matches(selector, tags));
  }

  private static SourcesDestinations spec(Resource policy) {
    if (policy.spec() instanceof SourcesDestinations sd) {
      return sd;
    }
    throw new IllegalArgumentException(
        policy.key()
            + ": spec "
            + policy.spec().getClass().getSimpleName()
            + " (expected a"
            + " policy with sources and destinations)");
  }

  private static Instant created(Resource policy) {
    Instant t = policy.meta().creationTime();
    return t == null ? Instant.MIN : t;
  }
}

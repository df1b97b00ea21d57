package io.meshfed.xds.sidecar;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultRateLimit;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.TokenBucket;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.FaultInjectionSpec;
import io.meshfed.model.spec.RateLimitSpec;
import io.meshfed.model.validation.Bandwidths;
import io.meshfed.xds.MeshState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * FaultInjection and RateLimit on an HTTP inbound: the policy of each type that applies to the
 * inbound ({@link PolicyMatcher#forInbound}, by its destinations), for requests from its sources.
 *
 * <p>The HTTP connection manager gets an {@code envoy.filters.http.fault} and an {@code
 * envoy.filters.http.local_ratelimit} filter (after RBAC, before the router) that do nothing by
 * themselves; the inbound's routes carry the policies ({@code typed_per_filter_config}), so that a
 * change of values changes the route configuration only. A policy whose sources are not all {@code
 * *} applies on a route that matches the {@code x-kuma-tags} header ({@link SourceTags}); requests
 * matching several policies' sources go to a route carrying all of them; the rest to {@code /}
 * without. One local rate limit token bucket per route, shared by the matching sources.
 */
final class InboundHttpPolicies {
  static final String FAULT = "envoy.filters.http.fault";
  static final String LOCAL_RATE_LIMIT = "envoy.filters.http.local_ratelimit";
  static final List<String> TYPES =
      List.of(StandardTypes.FAULT_INJECTION, StandardTypes.RATE_LIMIT);

  private static final int DEFAULT_RATE_LIMITED_STATUS = 429;

  /** One applied policy: the filter it configures, its per-route config, and who it is for. */
  private record Applied(
      String filter, Any perRoute, Optional<List<List<HeaderMatcher>>> sources) {}

  private final List<Applied> applied;
  private final String statPrefix;

  private InboundHttpPolicies(List<Applied> applied, String statPrefix) {
    this.applied = applied;
    this.statPrefix = statPrefix;
  }

  /**
   * The policies for an HTTP inbound with these tags; {@code statPrefix} names the rate limit's
   * stats.
   */
  static InboundHttpPolicies of(
      MeshState state, Map<String, String> inboundTags, String statPrefix) {
    List<Applied> applied = new ArrayList<>();
    PolicyMatcher.forInbound(state.policies(StandardTypes.FAULT_INJECTION), inboundTags)
        .ifPresent(
            p -> {
              FaultInjectionSpec spec = p.spec(FaultInjectionSpec.class);
              applied.add(
                  new Applied(
                      FAULT, Xds.pack(fault(p, spec.conf())), SourceTags.matchers(spec.sources())));
            });
    PolicyMatcher.forInbound(state.policies(StandardTypes.RATE_LIMIT), inboundTags)
        .ifPresent(
            p -> {
              RateLimitSpec spec = p.spec(RateLimitSpec.class);
              applied.add(
                  new Applied(
                      LOCAL_RATE_LIMIT,
                      Xds.pack(rateLimit(p, spec.conf().http(), statPrefix)),
                      SourceTags.matchers(spec.sources())));
            });
    return new InboundHttpPolicies(List.copyOf(applied), statPrefix);
  }

  /** Whether any mesh policy of these types may read {@code x-kuma-tags}, so senders set it. */
  static boolean sourceTagsRead(MeshState state) {
    return TYPES.stream().anyMatch(t -> !state.policies(t).isEmpty());
  }

  /** The HTTP filters to put before the router, configured per route; none without a policy. */
  List<HttpFilter> filters() {
    List<HttpFilter> filters = new ArrayList<>();
    if (applied.stream().anyMatch(a -> a.filter().equals(FAULT))) {
      filters.add(
          HttpFilter.newBuilder()
              .setName(FAULT)
              .setTypedConfig(Xds.pack(HTTPFault.getDefaultInstance()))
              .build());
    }
    if (applied.stream().anyMatch(a -> a.filter().equals(LOCAL_RATE_LIMIT))) {
      // No token bucket and filter_enabled at 0 %: a no-op until a route enables it.
      filters.add(
          HttpFilter.newBuilder()
              .setName(LOCAL_RATE_LIMIT)
              .setTypedConfig(
                  Xds.pack(LocalRateLimit.newBuilder().setStatPrefix(statPrefix).build()))
              .build());
    }
    return filters;
  }

  /**
   * The inbound's routes: one per combination of the source-restricted policies' source selectors
   * (each policy applied through one of its selectors, or not at all), those applying more policies
   * first; each carries the policies it applies and the unrestricted ones. The last route matches
   * every request and carries the unrestricted ones only. {@code base} is the route to the
   * application, match and action set.
   */
  List<Route> routes(Route base) {
    List<Applied> everyone = applied.stream().filter(a -> a.sources().isEmpty()).toList();
    List<Applied> restricted = applied.stream().filter(a -> a.sources().isPresent()).toList();
    List<List<Integer>> combinations = new ArrayList<>();
    combine(restricted, new ArrayList<>(), combinations);
    combinations.sort(
        Comparator.comparingLong((List<Integer> c) -> c.stream().filter(i -> i >= 0).count())
            .reversed());
    List<Route> routes = new ArrayList<>();
    for (List<Integer> choice : combinations) {
      Route.Builder r = base.toBuilder();
      for (int i = 0; i < restricted.size(); i++) {
        if (choice.get(i) >= 0) {
          Applied a = restricted.get(i);
          r.getMatchBuilder().addAllHeaders(a.sources().get().get(choice.get(i)));
          r.putTypedPerFilterConfig(a.filter(), a.perRoute());
        }
      }
      for (Applied a : everyone) {
        r.putTypedPerFilterConfig(a.filter(), a.perRoute());
      }
      routes.add(r.build());
    }
    return routes;
  }

  /** Every choice of one selector index (or -1, none) per policy, in a fixed order. */
  private static void combine(
      List<Applied> restricted, List<Integer> prefix, List<List<Integer>> out) {
    if (prefix.size() == restricted.size()) {
      out.add(List.copyOf(prefix));
      return;
    }
    int selectors = restricted.get(prefix.size()).sources().get().size();
    for (int i = 0; i <= selectors; i++) {
      prefix.add(i < selectors ? i : -1);
      combine(restricted, prefix, out);
      prefix.remove(prefix.size() - 1);
    }
  }

  private static HTTPFault fault(Resource policy, FaultInjectionSpec.Conf conf) {
    HTTPFault.Builder f = HTTPFault.newBuilder();
    if (conf.delay() != null) {
      f.setDelay(
          FaultDelay.newBuilder()
              .setFixedDelay(GoDurations.of(conf.delay().value(), policy, "conf.delay.value"))
              .setPercentage(percent(conf.delay().percentage())));
    }
    if (conf.abort() != null) {
      f.setAbort(
          FaultAbort.newBuilder()
              .setHttpStatus(conf.abort().httpStatus())
              .setPercentage(percent(conf.abort().percentage())));
    }
    if (conf.responseBandwidth() != null) {
      long kbps;
      try {
        kbps = Bandwidths.kbps(conf.responseBandwidth().limit());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            policy.key() + ": conf.responseBandwidth.limit: " + e.getMessage(), e);
      }
      f.setResponseRateLimit(
          FaultRateLimit.newBuilder()
              .setFixedLimit(FaultRateLimit.FixedLimit.newBuilder().setLimitKbps(kbps))
              .setPercentage(percent(conf.responseBandwidth().percentage())));
    }
    return f.build();
  }

  private static LocalRateLimit rateLimit(
      Resource policy, RateLimitSpec.Http http, String statPrefix) {
    RuntimeFractionalPercent all =
        RuntimeFractionalPercent.newBuilder()
            .setDefaultValue(
                FractionalPercent.newBuilder()
                    .setNumerator(100)
                    .setDenominator(FractionalPercent.DenominatorType.HUNDRED))
            .build();
    LocalRateLimit.Builder rl =
        LocalRateLimit.newBuilder()
            .setStatPrefix(statPrefix)
            .setTokenBucket(
                TokenBucket.newBuilder()
                    .setMaxTokens(http.requests())
                    .setTokensPerFill(UInt32Value.of(http.requests()))
                    .setFillInterval(GoDurations.of(http.interval(), policy, "conf.http.interval")))
            .setFilterEnabled(all.toBuilder().setRuntimeKey("local_rate_limit_enabled"))
            .setFilterEnforced(all.toBuilder().setRuntimeKey("local_rate_limit_enforced"));
    RateLimitSpec.OnRateLimit on = http.onRateLimit();
    int status = on == null || on.status() == null ? DEFAULT_RATE_LIMITED_STATUS : on.status();
    rl.setStatus(HttpStatus.newBuilder().setCodeValue(status));
    if (on != null) {
      for (RateLimitSpec.Header h : on.headers()) {
        boolean append = h.append() != null && h.append();
        rl.addResponseHeadersToAdd(
            HeaderValueOption.newBuilder()
                .setHeader(
                    HeaderValue.newBuilder()
                        .setKey(h.key())
                        .setValue(h.value() == null ? "" : h.value()))
                .setAppendAction(
                    append
                        ? HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD
                        : HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD));
      }
    }
    return rl.build();
  }

  /** A policy's percentage (0..100, decimals allowed) in millionths. */
  private static FractionalPercent percent(Double percentage) {
    return FractionalPercent.newBuilder()
        .setNumerator((int) Math.round(percentage * 10_000))
        .setDenominator(FractionalPercent.DenominatorType.MILLION)
        .build();
  }
}

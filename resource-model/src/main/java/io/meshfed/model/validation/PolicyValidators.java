package io.meshfed.model.validation;

import io.meshfed.model.spec.CircuitBreakerSpec;
import io.meshfed.model.spec.HealthCheckSpec;
import io.meshfed.model.spec.RetrySpec;
import io.meshfed.model.spec.Selector;
import io.meshfed.model.spec.SourcesDestinations;
import io.meshfed.model.spec.TimeoutSpec;
import io.meshfed.model.spec.TrafficLogSpec;
import io.meshfed.model.spec.TrafficRouteSpec;
import io.meshfed.model.spec.TrafficTraceSpec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Validators of Kuma's source/destination policies and TrafficTrace (ProxyTemplate: {@link
 * ProxyTemplateValidator}).
 */
final class PolicyValidators {
  static final List<String> HASH_FUNCTIONS = List.of("XX_HASH", "MURMUR_HASH_2");
  static final List<String> HTTP_METHODS =
      List.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");
  static final List<String> HTTP_RETRY_ON =
      List.of(
          "all_5xx",
          "gateway_error",
          "reset",
          "connect_failure",
          "envoy_ratelimited",
          "retriable_4xx",
          "refused_stream",
          "retriable_status_codes",
          "retriable_headers",
          "http3_post_connect_failure");
  static final List<String> GRPC_RETRY_ON =
      List.of("cancelled", "deadline_exceeded", "internal", "resource_exhausted", "unavailable");

  private PolicyValidators() {}

  /** {@code sources} and {@code destinations}: present, non-empty, destinations name a service. */
  static void sourcesDestinations(SourcesDestinations spec, Violations v) {
    Checks.selectors(v.field("sources"), spec.sources(), false);
    Checks.selectors(v.field("destinations"), spec.destinations(), true);
  }

  static SpecValidator<io.meshfed.model.spec.TrafficPermissionSpec> trafficPermission() {
    return PolicyValidators::sourcesDestinations;
  }

  // ------------------------------------------------------------------ TrafficRoute

  static void trafficRoute(TrafficRouteSpec spec, Violations v) {
    sourcesDestinations(spec, v);
    Violations cv = v.field("conf");
    TrafficRouteSpec.Conf conf = spec.conf();
    if (!Checks.required(cv, conf)) {
      return;
    }
    destinationOrSplit(cv, conf.destination(), conf.split(), true);
    if (conf.loadBalancer() != null) {
      loadBalancer(conf.loadBalancer(), cv.field("loadBalancer"));
    }
    for (int i = 0; i < conf.http().size(); i++) {
      http(conf.http().get(i), cv.field("http").index(i));
    }
  }

  private static void destinationOrSplit(
      Violations v,
      Map<String, String> destination,
      List<TrafficRouteSpec.Split> split,
      boolean required) {
    boolean hasDestination = !destination.isEmpty();
    boolean hasSplit = !split.isEmpty();
    if (hasDestination && hasSplit) {
      v.add("only one of [destination, split] may be set (got both)");
    } else if (!hasDestination && !hasSplit && required) {
      v.add("one of [destination, split] must be set");
    }
    if (hasDestination) {
      Checks.destination(v.field("destination"), destination);
    }
    if (hasSplit) {
      split(v.field("split"), split);
    }
  }

  private static void split(Violations v, List<TrafficRouteSpec.Split> split) {
    boolean anyPositive = false;
    for (int i = 0; i < split.size(); i++) {
      TrafficRouteSpec.Split s = split.get(i);
      Violations sv = v.index(i);
      if (!Checks.required(sv, s)) {
        continue;
      }
      if (s.weight() == null) {
        sv.field("weight").add("must be defined (expected: a number >= 0)");
      } else if (s.weight() < 0) {
        sv.field("weight").add(s.weight() + " must not be negative");
      } else if (s.weight() > 0) {
        anyPositive = true;
      }
      Checks.destination(sv.field("destination"), s.destination());
    }
    if (!anyPositive) {
      v.add("at least one weight must be greater than 0");
    }
  }

  private static void loadBalancer(TrafficRouteSpec.LoadBalancer lb, Violations v) {
    Map<String, Boolean> kinds = new LinkedHashMap<>();
    kinds.put("roundRobin", lb.roundRobin() != null);
    kinds.put("leastRequest", lb.leastRequest() != null);
    kinds.put("ringHash", lb.ringHash() != null);
    kinds.put("random", lb.random() != null);
    kinds.put("maglev", lb.maglev() != null);
    Checks.exclusive(v, kinds, false);
    if (lb.leastRequest() != null) {
      RouteChecks.leastRequest(lb.leastRequest(), v.field("leastRequest"));
    }
    if (lb.ringHash() != null) {
      RouteChecks.ringHash(lb.ringHash(), v.field("ringHash"));
    }
    if (lb.maglev() != null) {
      RouteChecks.maglev(lb.maglev(), v.field("maglev"));
    }
  }

  private static void http(TrafficRouteSpec.Http http, Violations v) {
    if (!Checks.required(v, http)) {
      return;
    }
    Violations mv = v.field("match");
    TrafficRouteSpec.HttpMatch match = http.match();
    if (match == null
        || (match.method() == null && match.path() == null && match.headers().isEmpty())) {
      mv.add("must have at least one of [method, path, headers]");
    } else {
      if (match.method() != null) {
        stringMatcher(match.method(), mv.field("method"), false);
      }
      if (match.path() != null) {
        stringMatcher(match.path(), mv.field("path"), true);
      }
      match
          .headers()
          .forEach(
              (name, m) -> {
                Violations hv = mv.field("headers").key(name);
                if (m == null) {
                  hv.add("must be defined (expected: one of [prefix, exact, regex])");
                } else {
                  stringMatcher(m, hv, false);
                }
              });
    }
    if (http.modify() != null) {
      modify(http.modify(), v.field("modify"));
    }
    destinationOrSplit(v, http.destination(), http.split(), true);
  }

  private static void stringMatcher(
      TrafficRouteSpec.StringMatcher m, Violations v, boolean isPath) {
    Map<String, Boolean> kinds = new LinkedHashMap<>();
    kinds.put("prefix", m.prefix() != null);
    kinds.put("exact", m.exact() != null);
    kinds.put("regex", m.regex() != null);
    Checks.exclusive(v, kinds, true);
    if (isPath) {
      if (m.prefix() != null && !m.prefix().startsWith("/")) {
        v.field("prefix").add("'" + m.prefix() + "' must start with '/'");
      }
      if (m.exact() != null && !m.exact().startsWith("/")) {
        v.field("exact").add("'" + m.exact() + "' must start with '/'");
      }
    }
    if (m.regex() != null) {
      Checks.regex(v.field("regex"), m.regex());
    }
  }

  private static void modify(TrafficRouteSpec.Modify m, Violations v) {
    if (m.path() != null) {
      Map<String, Boolean> kinds = new LinkedHashMap<>();
      kinds.put("rewritePrefix", m.path().rewritePrefix() != null);
      kinds.put("regex", m.path().regex() != null);
      Checks.exclusive(v.field("path"), kinds, true);
      regexReplace(m.path().regex(), v.field("path").field("regex"));
    }
    if (m.host() != null) {
      Map<String, Boolean> kinds = new LinkedHashMap<>();
      kinds.put("value", m.host().value() != null);
      kinds.put("fromPath", m.host().fromPath() != null);
      Checks.exclusive(v.field("host"), kinds, true);
      regexReplace(m.host().fromPath(), v.field("host").field("fromPath"));
    }
    RouteChecks.rewrite(m, v);
    headers(m.requestHeaders(), v.field("requestHeaders"));
    headers(m.responseHeaders(), v.field("responseHeaders"));
  }

  private static void regexReplace(TrafficRouteSpec.RegexReplace r, Violations v) {
    if (r == null) {
      return;
    }
    if (Checks.required(v.field("pattern"), r.pattern())) {
      Checks.regex(v.field("pattern"), r.pattern());
    }
    if (r.substitution() == null) {
      v.field("substitution").add("must be defined");
    }
  }

  private static void headers(TrafficRouteSpec.HeadersModification h, Violations v) {
    if (h == null) {
      return;
    }
    for (int i = 0; i < h.add().size(); i++) {
      TrafficRouteSpec.AddHeader a = h.add().get(i);
      if (Checks.required(v.field("add").index(i), a)) {
        RouteChecks.headerName(v.field("add").index(i).field("name"), a.name(), true);
        if (a.value() == null) {
          v.field("add").index(i).field("value").add("must be defined");
        } else {
          RouteChecks.headerValue(v.field("add").index(i).field("value"), a.value());
        }
      }
    }
    for (int i = 0; i < h.remove().size(); i++) {
      TrafficRouteSpec.RemoveHeader r = h.remove().get(i);
      if (Checks.required(v.field("remove").index(i), r)) {
        RouteChecks.headerName(v.field("remove").index(i).field("name"), r.name(), true);
      }
    }
  }

  // ------------------------------------------------------------------ HealthCheck

  static void healthCheck(HealthCheckSpec spec, Violations v) {
    sourcesDestinations(spec, v);
    Violations cv = v.field("conf");
    HealthCheckSpec.Conf c = spec.conf();
    if (!Checks.required(cv, c)) {
      return;
    }
    Checks.duration(cv.field("interval"), c.interval(), true, true);
    Checks.duration(cv.field("timeout"), c.timeout(), true, true);
    Checks.positive(cv.field("unhealthyThreshold"), c.unhealthyThreshold(), true);
    Checks.positive(cv.field("healthyThreshold"), c.healthyThreshold(), true);
    Checks.duration(cv.field("initialJitter"), c.initialJitter(), false, false);
    Checks.duration(cv.field("intervalJitter"), c.intervalJitter(), false, false);
    Checks.range(cv.field("intervalJitterPercent"), c.intervalJitterPercent(), 0, 100);
    Checks.range(cv.field("healthyPanicThreshold"), c.healthyPanicThreshold(), 0, 100);
    Checks.duration(cv.field("noTrafficInterval"), c.noTrafficInterval(), false, true);
    if (c.tcp() != null) {
      Checks.base64(cv.field("tcp").field("send"), c.tcp().send(), false);
      for (int i = 0; i < c.tcp().receive().size(); i++) {
        Checks.base64(cv.field("tcp").field("receive").index(i), c.tcp().receive().get(i), true);
      }
    }
    if (c.http() != null) {
      Violations hv = cv.field("http");
      if (Checks.required(hv.field("path"), c.http().path()) && !c.http().path().startsWith("/")) {
        hv.field("path").add("'" + c.http().path() + "' must start with '/'");
      }
      for (int i = 0; i < c.http().expectedStatuses().size(); i++) {
        Integer s = c.http().expectedStatuses().get(i);
        Violations sv = hv.field("expectedStatuses").index(i);
        if (Checks.required(sv, s) && (s < 100 || s >= 600)) {
          sv.add(s + " is not an HTTP status (expected: 100..599)");
        }
      }
      for (int i = 0; i < c.http().requestHeadersToAdd().size(); i++) {
        HealthCheckSpec.HeaderValueOption h = c.http().requestHeadersToAdd().get(i);
        Violations av = hv.field("requestHeadersToAdd").index(i);
        if (Checks.required(av, h)
            && Checks.required(av.field("header"), h.header())
            && Checks.required(av.field("header").field("key"), h.header().key())) {
          String key = h.header().key();
          // Envoy refuses to add these to a health check request.
          if (key.startsWith(":") || key.equalsIgnoreCase("host")) {
            av.field("header")
                .field("key")
                .add("'" + key + "' cannot be set (expected: not a ':' pseudo-header nor host)");
          }
        }
      }
    }
  }

  // ------------------------------------------------------------------ CircuitBreaker

  static void circuitBreaker(CircuitBreakerSpec spec, Violations v) {
    sourcesDestinations(spec, v);
    Violations cv = v.field("conf");
    CircuitBreakerSpec.Conf c = spec.conf();
    if (!Checks.required(cv, c)) {
      return;
    }
    Checks.duration(cv.field("interval"), c.interval(), false, true);
    Checks.duration(cv.field("baseEjectionTime"), c.baseEjectionTime(), false, true);
    Checks.range(cv.field("maxEjectionPercent"), c.maxEjectionPercent(), 0, 100);
    CircuitBreakerSpec.Detectors d = c.detectors();
    if (d != null) {
      Violations dv = cv.field("detectors");
      errors(d.totalErrors(), dv.field("totalErrors"));
      errors(d.gatewayErrors(), dv.field("gatewayErrors"));
      errors(d.localErrors(), dv.field("localErrors"));
      if (d.standardDeviation() != null) {
        Violations sv = dv.field("standardDeviation");
        Checks.nonNegative(sv.field("requestVolume"), d.standardDeviation().requestVolume());
        Checks.nonNegative(sv.field("minimumHosts"), d.standardDeviation().minimumHosts());
        Checks.nonNegative(sv.field("factor"), d.standardDeviation().factor());
      }
      if (d.failure() != null) {
        Violations fv = dv.field("failure");
        Checks.nonNegative(fv.field("requestVolume"), d.failure().requestVolume());
        Checks.nonNegative(fv.field("minimumHosts"), d.failure().minimumHosts());
        Checks.range(fv.field("threshold"), d.failure().threshold(), 0, 100);
      }
    }
    CircuitBreakerSpec.Thresholds t = c.thresholds();
    if (t != null) {
      Violations tv = cv.field("thresholds");
      Checks.nonNegative(tv.field("maxConnections"), t.maxConnections());
      Checks.nonNegative(tv.field("maxPendingRequests"), t.maxPendingRequests());
      Checks.nonNegative(tv.field("maxRequests"), t.maxRequests());
      Checks.nonNegative(tv.field("maxRetries"), t.maxRetries());
    }
  }

  private static void errors(CircuitBreakerSpec.Errors e, Violations v) {
    if (e != null) {
      Checks.nonNegative(v.field("consecutive"), e.consecutive());
    }
  }

  // ------------------------------------------------------------------ TrafficLog / TrafficTrace

  static void trafficLog(TrafficLogSpec spec, Violations v) {
    sourcesDestinations(spec, v);
    if (spec.conf() != null && spec.conf().backend() != null && spec.conf().backend().isBlank()) {
      v.field("conf").field("backend").add("must not be blank (omit it to use the default)");
    }
  }

  static void trafficTrace(TrafficTraceSpec spec, Violations v) {
    Checks.selectors(v.field("selectors"), spec.selectors(), false);
    if (spec.conf() != null && spec.conf().backend() != null && spec.conf().backend().isBlank()) {
      v.field("conf").field("backend").add("must not be blank (omit it to use the default)");
    }
  }

  // ------------------------------------------------------------------ Timeout

  static void timeout(TimeoutSpec spec, Violations v) {
    sourcesDestinations(spec, v);
    Violations cv = v.field("conf");
    TimeoutSpec.Conf c = spec.conf();
    if (!Checks.required(cv, c)) {
      return;
    }
    // Envoy's cluster connect_timeout must be greater than 0.
    Checks.duration(cv.field("connectTimeout"), c.connectTimeout(), false, true);
    if (c.tcp() != null) {
      Checks.duration(cv.field("tcp").field("idleTimeout"), c.tcp().idleTimeout(), false, false);
    }
    if (c.http() != null) {
      Violations hv = cv.field("http");
      Checks.duration(hv.field("requestTimeout"), c.http().requestTimeout(), false, false);
      Checks.duration(hv.field("idleTimeout"), c.http().idleTimeout(), false, false);
      Checks.duration(hv.field("streamIdleTimeout"), c.http().streamIdleTimeout(), false, false);
      Checks.duration(hv.field("maxStreamDuration"), c.http().maxStreamDuration(), false, false);
    }
    if (c.grpc() != null) {
      Violations gv = cv.field("grpc");
      Checks.duration(gv.field("streamIdleTimeout"), c.grpc().streamIdleTimeout(), false, false);
      Checks.duration(gv.field("maxStreamDuration"), c.grpc().maxStreamDuration(), false, false);
    }
  }

  // ------------------------------------------------------------------ Retry

  static void retry(RetrySpec spec, Violations v) {
    sourcesDestinations(spec, v);
    Violations cv = v.field("conf");
    RetrySpec.Conf c = spec.conf();
    if (!Checks.required(cv, c)) {
      return;
    }
    if (c.http() == null && c.tcp() == null && c.grpc() == null) {
      cv.add("must have at least one of [http, tcp, grpc]");
    }
    RetrySpec.Http h = c.http();
    if (h != null) {
      Violations hv = cv.field("http");
      Checks.nonNegative(hv.field("numRetries"), h.numRetries());
      Checks.duration(hv.field("perTryTimeout"), h.perTryTimeout(), false, true);
      backOff(h.backOff(), hv.field("backOff"));
      for (int i = 0; i < h.retriableStatusCodes().size(); i++) {
        Integer s = h.retriableStatusCodes().get(i);
        Violations sv = hv.field("retriableStatusCodes").index(i);
        if (Checks.required(sv, s) && (s < 100 || s >= 600)) {
          sv.add(s + " is not an HTTP status (expected: 100..599)");
        }
      }
      for (int i = 0; i < h.retriableMethods().size(); i++) {
        Violations mv = hv.field("retriableMethods").index(i);
        if (Checks.required(mv, h.retriableMethods().get(i))) {
          Checks.oneOf(mv, h.retriableMethods().get(i), HTTP_METHODS);
        }
      }
      for (int i = 0; i < h.retryOn().size(); i++) {
        Violations rv = hv.field("retryOn").index(i);
        if (Checks.required(rv, h.retryOn().get(i))) {
          Checks.oneOf(rv, h.retryOn().get(i), HTTP_RETRY_ON);
        }
      }
      if (h.retryOn().contains("retriable_status_codes") && h.retriableStatusCodes().isEmpty()) {
        hv.field("retriableStatusCodes")
            .add("must not be empty when retryOn contains retriable_status_codes");
      }
    }
    if (c.tcp() != null) {
      // Envoy's tcp_proxy max_connect_attempts must be at least 1.
      Checks.positive(
          cv.field("tcp").field("maxConnectAttempts"), c.tcp().maxConnectAttempts(), false);
    }
    RetrySpec.Grpc g = c.grpc();
    if (g != null) {
      Violations gv = cv.field("grpc");
      Checks.nonNegative(gv.field("numRetries"), g.numRetries());
      Checks.duration(gv.field("perTryTimeout"), g.perTryTimeout(), false, true);
      backOff(g.backOff(), gv.field("backOff"));
      for (int i = 0; i < g.retryOn().size(); i++) {
        Violations rv = gv.field("retryOn").index(i);
        if (Checks.required(rv, g.retryOn().get(i))) {
          Checks.oneOf(rv, g.retryOn().get(i), GRPC_RETRY_ON);
        }
      }
    }
  }

  private static void backOff(RetrySpec.BackOff b, Violations v) {
    if (b == null) {
      return;
    }
    Duration base = Checks.duration(v.field("baseInterval"), b.baseInterval(), true, true);
    Duration max = Checks.duration(v.field("maxInterval"), b.maxInterval(), false, true);
    if (base != null && max != null && max.compareTo(base) < 0) {
      v.field("maxInterval")
          .add(
              "'"
                  + b.maxInterval()
                  + "' must not be shorter than baseInterval "
                  + b.baseInterval());
    }
  }

  static void selectorsOnly(List<Selector> selectors, Violations v) {
    Checks.selectors(v, selectors, false);
  }
}

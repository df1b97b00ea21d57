package io.meshfed.model.validation;

import io.meshfed.model.spec.TrafficRouteSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks of TrafficRoute's {@code loadBalancer} and {@code http[].modify} against what Envoy
 * accepts in a cluster's load balancer config and a route's action, so none of it is NACKed.
 */
final class RouteChecks {
  static final List<String> HASH_POLICY_TYPES =
      List.of("Header", "Cookie", "Connection", "SourceIP", "QueryParameter", "FilterState");

  /** Envoy's limit on both ring sizes. */
  static final long MAX_RING_SIZE = 8_388_608L;

  /** Envoy's {@code HTTP_HEADER_NAME}, after an optional pseudo-header colon. */
  private static final Pattern HEADER_NAME = Pattern.compile("[0-9a-zA-Z!#$%&'*+\\-.^_|~`]+");

  private RouteChecks() {}

  static void leastRequest(TrafficRouteSpec.LeastRequest lr, Violations v) {
    if (lr.choiceCount() != null && lr.choiceCount() < 2) {
      v.field("choiceCount")
          .add(lr.choiceCount() + " is too small (expected: at least 2, or leave it out for 2)");
    }
  }

  static void ringHash(TrafficRouteSpec.RingHash rh, Violations v) {
    Checks.oneOf(v.field("hashFunction"), rh.hashFunction(), PolicyValidators.HASH_FUNCTIONS);
    ringSize(v.field("minRingSize"), rh.minRingSize());
    ringSize(v.field("maxRingSize"), rh.maxRingSize());
    if (rh.minRingSize() != null
        && rh.maxRingSize() != null
        && rh.minRingSize() > rh.maxRingSize()) {
      v.field("minRingSize")
          .add(rh.minRingSize() + " must not exceed maxRingSize " + rh.maxRingSize());
    }
    hashPolicies(rh.hashPolicies(), v.field("hashPolicies"));
  }

  static void maglev(TrafficRouteSpec.Maglev m, Violations v) {
    hashPolicies(m.hashPolicies(), v.field("hashPolicies"));
  }

  private static void ringSize(Violations v, Long size) {
    if (size != null && (size < 1 || size > MAX_RING_SIZE)) {
      v.add(size + " is out of range (expected: 1.." + MAX_RING_SIZE + ")");
    }
  }

  private static void hashPolicies(List<TrafficRouteSpec.HashPolicy> policies, Violations v) {
    for (int i = 0; i < policies.size(); i++) {
      TrafficRouteSpec.HashPolicy p = policies.get(i);
      Violations pv = v.index(i);
      if (!Checks.required(pv, p)) {
        continue;
      }
      Map<String, Boolean> sections = new LinkedHashMap<>();
      sections.put("header", p.header() != null);
      sections.put("cookie", p.cookie() != null);
      sections.put("connection", p.connection() != null);
      sections.put("queryParameter", p.queryParameter() != null);
      sections.put("filterState", p.filterState() != null);
      Checks.exclusive(pv, sections, false);
      if (!Checks.required(pv.field("type"), p.type())) {
        continue;
      }
      Checks.oneOf(pv.field("type"), p.type(), HASH_POLICY_TYPES);
      switch (p.type()) {
        case "Header" -> {
          if (section(pv, p.type(), "header", p.header())) {
            headerName(pv.field("header").field("name"), p.header().name(), false);
          }
        }
        case "Cookie" -> {
          if (section(pv, p.type(), "cookie", p.cookie())) {
            Violations cv = pv.field("cookie");
            Checks.required(cv.field("name"), p.cookie().name());
            Checks.duration(cv.field("ttl"), p.cookie().ttl(), false, false);
          }
        }
        case "Connection" -> {
          if (section(pv, p.type(), "connection", p.connection())
              && !Boolean.TRUE.equals(p.connection().sourceIP())) {
            pv.field("connection")
                .field("sourceIP")
                .add("must be true (the connection is hashed on its source address)");
          }
        }
        case "QueryParameter" -> {
          if (section(pv, p.type(), "queryParameter", p.queryParameter())) {
            Checks.required(pv.field("queryParameter").field("name"), p.queryParameter().name());
          }
        }
        case "FilterState" -> {
          if (section(pv, p.type(), "filterState", p.filterState())) {
            Checks.required(pv.field("filterState").field("key"), p.filterState().key());
          }
        }
        default -> {
          // SourceIP has no section; an unknown type is reported above
        }
      }
    }
  }

  private static boolean section(Violations v, String type, String name, Object section) {
    if (section == null) {
      v.field(name).add("must be defined for type " + type);
      return false;
    }
    return true;
  }

  /** {@code modify.path.rewritePrefix} and {@code modify.host.value}. */
  static void rewrite(TrafficRouteSpec.Modify m, Violations v) {
    if (m.path() != null && m.path().rewritePrefix() != null) {
      String prefix = m.path().rewritePrefix();
      Violations pv = v.field("path").field("rewritePrefix");
      if (!prefix.startsWith("/")) {
        pv.add("'" + prefix + "' must start with '/'");
      } else {
        headerValue(pv, prefix);
      }
    }
    if (m.host() != null && m.host().value() != null) {
      Violations hv = v.field("host").field("value");
      if (Checks.required(hv, m.host().value())) {
        headerValue(hv, m.host().value());
      }
    }
  }

  /** A header added or removed by {@code modify}: a valid name Envoy lets a route change. */
  static void headerName(Violations v, String name, boolean modified) {
    if (!Checks.required(v, name)) {
      return;
    }
    if (modified && (name.startsWith(":") || name.equalsIgnoreCase("host"))) {
      v.add("'" + name + "' cannot be changed here (expected: not a ':' pseudo-header nor host)");
    } else if (!HEADER_NAME.matcher(name.startsWith(":") ? name.substring(1) : name).matches()) {
      v.add("'" + name + "' is not a valid HTTP header name");
    }
  }

  /** A header value: no NUL, CR or LF (Envoy's {@code HTTP_HEADER_VALUE}). */
  static void headerValue(Violations v, String value) {
    if (value.indexOf('\0') >= 0 || value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
      v.add("must not contain NUL, CR or LF");
    }
  }
}

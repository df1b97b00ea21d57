package io.meshfed.model.validation;

import io.meshfed.model.spec.FaultInjectionSpec;
import io.meshfed.model.spec.RateLimitSpec;
import io.meshfed.model.spec.Selector;
import io.meshfed.model.spec.Tags;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * FaultInjection and RateLimit: HTTP policies applied on the inbound of the destination. A
 * destination selector that can only ever match TCP inbounds is refused: such a policy could never
 * do anything.
 */
final class InboundPolicyValidators {
  /** The {@code kuma.io/protocol} values with an HTTP connection manager on the inbound. */
  static final List<String> HTTP_PROTOCOLS = List.of("http", "http2", "grpc");

  private InboundPolicyValidators() {}

  static void faultInjection(FaultInjectionSpec spec, Violations v) {
    PolicyValidators.sourcesDestinations(spec, v);
    // As in Kuma: the destinations say which HTTP protocol they speak, so that a fault can never
    // be aimed at a TCP service, where it would be ignored.
    destinationProtocols(spec.destinations(), v.field("destinations"), true);
    Violations cv = v.field("conf");
    FaultInjectionSpec.Conf c = spec.conf();
    if (!Checks.required(cv, c)) {
      return;
    }
    if (c.delay() == null && c.abort() == null && c.responseBandwidth() == null) {
      cv.add("must have at least one of delay, abort, responseBandwidth");
    }
    if (c.delay() != null) {
      Violations dv = cv.field("delay");
      percentage(dv.field("percentage"), c.delay().percentage());
      Checks.duration(dv.field("value"), c.delay().value(), true, false);
    }
    if (c.abort() != null) {
      Violations av = cv.field("abort");
      percentage(av.field("percentage"), c.abort().percentage());
      Integer s = c.abort().httpStatus();
      if (Checks.required(av.field("httpStatus"), s) && (s < 200 || s >= 600)) {
        // Envoy's HTTPFault abort accepts [200, 600).
        av.field("httpStatus").add(s + " is out of range (expected: 200..599)");
      }
    }
    if (c.responseBandwidth() != null) {
      Violations bv = cv.field("responseBandwidth");
      percentage(bv.field("percentage"), c.responseBandwidth().percentage());
      String limit = c.responseBandwidth().limit();
      if (Checks.required(bv.field("limit"), limit)) {
        try {
          Bandwidths.kbps(limit);
        } catch (IllegalArgumentException e) {
          bv.field("limit").add(e.getMessage());
        }
      }
    }
  }

  static void rateLimit(RateLimitSpec spec, Violations v) {
    PolicyValidators.sourcesDestinations(spec, v);
    destinationProtocols(spec.destinations(), v.field("destinations"), false);
    Violations cv = v.field("conf");
    RateLimitSpec.Conf c = spec.conf();
    if (!Checks.required(cv, c)) {
      return;
    }
    Violations hv = cv.field("http");
    RateLimitSpec.Http h = c.http();
    if (!Checks.required(hv, h)) {
      return;
    }
    Checks.positive(hv.field("requests"), h.requests(), true);
    Duration interval = Checks.duration(hv.field("interval"), h.interval(), true, true);
    // Envoy's token bucket refills at most every 50 ms.
    if (interval != null && interval.toMillis() < 50) {
      hv.field("interval").add("'" + h.interval() + "' is too short (expected: at least 50ms)");
    }
    if (h.onRateLimit() != null) {
      Violations ov = hv.field("onRateLimit");
      Integer s = h.onRateLimit().status();
      if (s != null && (s < 100 || s >= 600)) {
        ov.field("status").add(s + " is not an HTTP status (expected: 100..599)");
      }
      List<RateLimitSpec.Header> headers = h.onRateLimit().headers();
      for (int i = 0; i < headers.size(); i++) {
        RateLimitSpec.Header header = headers.get(i);
        Violations at = ov.field("headers").index(i);
        if (Checks.required(at, header)
            && Checks.required(at.field("key"), header.key())
            && header.key().startsWith(":")) {
          at.field("key")
              .add("'" + header.key() + "' cannot be set (expected: not a pseudo-header)");
        }
      }
    }
  }

  private static void percentage(Violations v, Double p) {
    if (Checks.required(v, p)) {
      Checks.range(v, p, 0, 100);
    }
  }

  /**
   * A destination's {@code kuma.io/protocol}, when present, must be an HTTP one (a TCP inbound has
   * no HTTP filters to apply the policy in); {@code required}: it must be present and not {@code
   * *}.
   */
  private static void destinationProtocols(
      List<Selector> destinations, Violations v, boolean required) {
    for (int i = 0; i < destinations.size(); i++) {
      Selector s = destinations.get(i);
      if (s == null || s.match().isEmpty()) {
        continue;
      }
      Map<String, String> match = s.match();
      String protocol = match.get(Tags.PROTOCOL);
      Violations at = v.index(i).field("match").key(Tags.PROTOCOL);
      if (protocol == null) {
        if (required) {
          at.add("must be defined (expected: one of " + HTTP_PROTOCOLS + ")");
        }
      } else if (!HTTP_PROTOCOLS.contains(protocol) && (required || !"*".equals(protocol))) {
        at.add(
            "'"
                + protocol
                + "' (expected: one of "
                + HTTP_PROTOCOLS
                + "; the policy applies to HTTP inbounds only)");
      }
    }
  }
}

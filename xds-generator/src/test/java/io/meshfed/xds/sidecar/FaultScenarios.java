package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.dataplane;
import static io.meshfed.xds.sidecar.Fixtures.inbound;
import static io.meshfed.xds.sidecar.Fixtures.mesh;
import static io.meshfed.xds.sidecar.Fixtures.selectors;
import static io.meshfed.xds.sidecar.Fixtures.svc;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.FaultInjectionSpec;
import io.meshfed.model.spec.RateLimitSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.xds.MeshState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Sidecar cases with FaultInjection and RateLimit: backend (HTTP on 8080, TCP admin on 9901) with
 * an outbound to api (HTTP), so that the golden files show the inbound filters and routes, the TCP
 * inbound left alone, and the {@code x-kuma-tags} header its outbound sets.
 */
final class FaultScenarios {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Instant T1 = Instant.parse("2026-01-02T00:00:00Z");
  static final Map<String, String> BACKEND_HTTP =
      svc("backend", "version", "v1", Tags.PROTOCOL, "http");

  private FaultScenarios() {}

  static Stream<Scenarios.Scenario> all() {
    return Stream.of(
        scenario(
            "mtls-faults",
            true,
            List.of(webToBackendFault(), catchAllFault()),
            List.of(everyoneToBackendRateLimit())),
        scenario(
            "mtls-off-faults-two-sources",
            false,
            List.of(webToBackendFault()),
            List.of(webV2ToBackendRateLimit())));
  }

  static Scenarios.Scenario scenario(
      String name, boolean mtls, List<Resource> faults, List<Resource> rateLimits) {
    Resource backend =
        dataplane(
            "backend-1",
            "10.0.0.2",
            List.of(inbound(10080, 8080, BACKEND_HTTP), inbound(19901, 9901, svc("backend-admin"))),
            List.of(DataplaneSpec.Outbound.of(10003, "api")));
    MeshState state =
        new MeshState(
            Fixtures.ZONE,
            mesh(mtls),
            List.of(
                backend,
                dataplane(
                    "api-1",
                    "10.0.0.6",
                    List.of(inbound(18080, 8080, svc("api", Tags.PROTOCOL, "http"))),
                    List.of())),
            List.of(),
            mtls
                ? List.of(
                    Fixtures.permission(
                        "allow-all", List.of(svc(Tags.WILDCARD)), List.of(svc(Tags.WILDCARD))))
                : List.of(),
            List.of(),
            Map.of(StandardTypes.FAULT_INJECTION, faults, StandardTypes.RATE_LIMIT, rateLimits));
    return new Scenarios.Scenario(name, state, backend);
  }

  /** Every fault, for requests from web v1 or from any version of frontend. */
  static Resource webToBackendFault() {
    return Fixtures.policy(
        StandardTypes.FAULT_INJECTION,
        "web-to-backend",
        T0,
        new FaultInjectionSpec(
            selectors(List.of(svc("web", "version", "v1"), svc("frontend", "version", "*"))),
            selectors(List.of(svc("backend", Tags.PROTOCOL, "http"))),
            new FaultInjectionSpec.Conf(
                new FaultInjectionSpec.Delay(50.5, "5s"),
                new FaultInjectionSpec.Abort(30.0, 503),
                new FaultInjectionSpec.ResponseBandwidth(12.25, "50 mbps"))));
  }

  /** Less specific than {@link #webToBackendFault} (destination without a service), so unused. */
  static Resource catchAllFault() {
    return Fixtures.policy(
        StandardTypes.FAULT_INJECTION,
        "all-http",
        T1,
        new FaultInjectionSpec(
            selectors(List.of(svc(Tags.WILDCARD))),
            selectors(List.of(Map.of(Tags.SERVICE, Tags.WILDCARD, Tags.PROTOCOL, "http"))),
            new FaultInjectionSpec.Conf(null, new FaultInjectionSpec.Abort(100.0, 500), null)));
  }

  static Resource everyoneToBackendRateLimit() {
    return Fixtures.policy(
        StandardTypes.RATE_LIMIT,
        "everyone-to-backend",
        T0,
        new RateLimitSpec(
            selectors(List.of(svc(Tags.WILDCARD))),
            selectors(List.of(svc("backend"))),
            new RateLimitSpec.Conf(
                new RateLimitSpec.Http(
                    5,
                    "1s",
                    new RateLimitSpec.OnRateLimit(
                        423,
                        List.of(
                            new RateLimitSpec.Header("x-kuma-rate-limited", "true", true),
                            new RateLimitSpec.Header("retry-after", "1", null)))))));
  }

  static Resource webV2ToBackendRateLimit() {
    return Fixtures.policy(
        StandardTypes.RATE_LIMIT,
        "web-v2-to-backend",
        T0,
        new RateLimitSpec(
            selectors(List.of(svc("web", "version", "v2"))),
            selectors(List.of(svc("backend"))),
            new RateLimitSpec.Conf(new RateLimitSpec.Http(100, "1m", null))));
  }
}

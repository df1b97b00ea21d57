package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.dataplane;
import static io.meshfed.xds.sidecar.Fixtures.inbound;
import static io.meshfed.xds.sidecar.Fixtures.mesh;
import static io.meshfed.xds.sidecar.Fixtures.route;
import static io.meshfed.xds.sidecar.Fixtures.selectors;
import static io.meshfed.xds.sidecar.Fixtures.svc;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.defaults.InitialPolicies;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.RetrySpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.TimeoutSpec;
import io.meshfed.model.spec.TrafficRouteSpec;
import io.meshfed.xds.MeshState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Sidecar cases with the HTTP and gRPC parts of Timeout and Retry: web (an HTTP inbound) sends to
 * api ({@code http}, two TrafficRoute rules plus the catch-all route), to events ({@code grpc}) and
 * to files ({@code http2}) and db (TCP). web to api and web to events get policies with every field
 * set; files and db get the defaults a new mesh gets ({@link InitialPolicies}).
 */
final class HttpPolicyScenarios {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private HttpPolicyScenarios() {}

  static Stream<Scenarios.Scenario> all() {
    return Stream.of(httpPolicies(true), httpPolicies(false));
  }

  static Scenarios.Scenario httpPolicies(boolean mtls) {
    Resource web =
        dataplane(
            "web-1",
            "10.0.0.1",
            List.of(inbound(10080, 8080, svc("web", Tags.PROTOCOL, "http"))),
            List.of(
                DataplaneSpec.Outbound.of(10001, "api"),
                DataplaneSpec.Outbound.of(10002, "events"),
                DataplaneSpec.Outbound.of(10003, "files"),
                DataplaneSpec.Outbound.of(10004, "db")));
    MeshState state =
        new MeshState(
            Fixtures.ZONE,
            mesh(mtls),
            List.of(
                web,
                dataplane(
                    "api-1",
                    "10.0.0.2",
                    List.of(
                        inbound(18080, 8080, svc("api", "version", "v1", Tags.PROTOCOL, "http"))),
                    List.of()),
                dataplane(
                    "api-2",
                    "10.0.0.3",
                    List.of(
                        inbound(18080, 8080, svc("api", "version", "v2", Tags.PROTOCOL, "http"))),
                    List.of()),
                dataplane(
                    "events-1",
                    "10.0.0.4",
                    List.of(inbound(19090, 9090, svc("events", Tags.PROTOCOL, "grpc"))),
                    List.of()),
                dataplane(
                    "files-1",
                    "10.0.0.5",
                    List.of(inbound(18443, 8443, svc("files", Tags.PROTOCOL, "http2"))),
                    List.of()),
                dataplane("db-1", "10.0.0.6", List.of(inbound(15432, 5432, svc("db"))), List.of())),
            List.of(),
            List.of(),
            List.of(apiRoute()),
            Map.of(
                StandardTypes.TIMEOUT,
                List.of(
                    defaultPolicy(StandardTypes.TIMEOUT), webToApiTimeout(), webToEventsTimeout()),
                StandardTypes.RETRY,
                List.of(defaultPolicy(StandardTypes.RETRY), webToApiRetry(), webToEventsRetry())));
    return new Scenarios.Scenario(
        mtls ? "mtls-http-policies" : "mtls-off-http-policies", state, web);
  }

  /** GET /users to api v2, everything else split 80/20 over v1 and v2. */
  static Resource apiRoute() {
    return route(
        "api-routes",
        List.of(svc("web")),
        List.of(svc("api")),
        new TrafficRouteSpec.Conf(
            List.of(
                new TrafficRouteSpec.Split(80, svc("api", "version", "v1")),
                new TrafficRouteSpec.Split(20, svc("api", "version", "v2"))),
            null,
            null,
            List.of(
                new TrafficRouteSpec.Http(
                    new TrafficRouteSpec.HttpMatch(
                        new TrafficRouteSpec.StringMatcher(null, "GET", null),
                        new TrafficRouteSpec.StringMatcher("/users", null, null),
                        null),
                    null,
                    null,
                    svc("api", "version", "v2")))));
  }

  /** The default policy of {@code type} a new mesh gets, as Kuma creates it. */
  static Resource defaultPolicy(String type) {
    Resource r =
        InitialPolicies.forMesh(Fixtures.MESH, MeshSpec.ofMtls(null)).stream()
            .filter(p -> p.type().equals(type))
            .findFirst()
            .orElseThrow();
    return Fixtures.policy(type, r.name(), T0, r.spec());
  }

  /** Every http field set. */
  static Resource webToApiTimeout() {
    return Fixtures.policy(
        StandardTypes.TIMEOUT,
        "web-to-api",
        T0,
        new TimeoutSpec(
            selectors(List.of(svc("web"))),
            selectors(List.of(svc("api"))),
            new TimeoutSpec.Conf(
                "2s", null, new TimeoutSpec.Http("500ms", "10m", "20s", "1m"), null)));
  }

  /** gRPC: the deprecated grpc section fills what http leaves out. */
  static Resource webToEventsTimeout() {
    return Fixtures.policy(
        StandardTypes.TIMEOUT,
        "web-to-events",
        T0,
        new TimeoutSpec(
            selectors(List.of(svc("web"))),
            selectors(List.of(svc("events"))),
            new TimeoutSpec.Conf(
                null,
                null,
                new TimeoutSpec.Http("30s", "5m", null, null),
                new TimeoutSpec.Grpc("2m", "10m"))));
  }

  /** Every http field set (the http part applies to api; grpc would not). */
  static Resource webToApiRetry() {
    return Fixtures.policy(
        StandardTypes.RETRY,
        "web-to-api",
        T0,
        new RetrySpec(
            selectors(List.of(svc("web"))),
            selectors(List.of(svc("api"))),
            new RetrySpec.Conf(
                new RetrySpec.Http(
                    3,
                    "200ms",
                    new RetrySpec.BackOff("10ms", "100ms"),
                    List.of(503, 429),
                    List.of("GET", "PUT"),
                    List.of("all_5xx", "connect_failure", "retriable_4xx"),
                    List.of(),
                    List.of()),
                null,
                new RetrySpec.Grpc(List.of("unavailable"), 9, null, null))));
  }

  /** gRPC codes, no back-off. */
  static Resource webToEventsRetry() {
    return Fixtures.policy(
        StandardTypes.RETRY,
        "web-to-events",
        T0,
        new RetrySpec(
            selectors(List.of(svc("web"))),
            selectors(List.of(svc("events"))),
            new RetrySpec.Conf(
                new RetrySpec.Http(
                    7, null, null, List.of(), List.of(), List.of(), List.of(), List.of()),
                null,
                new RetrySpec.Grpc(
                    List.of("deadline_exceeded", "resource_exhausted"), 2, "1s", null))));
  }
}

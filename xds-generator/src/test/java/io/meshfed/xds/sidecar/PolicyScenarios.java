package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.available;
import static io.meshfed.xds.sidecar.Fixtures.dataplane;
import static io.meshfed.xds.sidecar.Fixtures.inbound;
import static io.meshfed.xds.sidecar.Fixtures.ingress;
import static io.meshfed.xds.sidecar.Fixtures.mesh;
import static io.meshfed.xds.sidecar.Fixtures.route;
import static io.meshfed.xds.sidecar.Fixtures.selectors;
import static io.meshfed.xds.sidecar.Fixtures.split;
import static io.meshfed.xds.sidecar.Fixtures.svc;
import static io.meshfed.xds.sidecar.Fixtures.weight;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.CircuitBreakerSpec;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.HealthCheckSpec;
import io.meshfed.model.spec.RetrySpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.TimeoutSpec;
import io.meshfed.xds.MeshState;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Sidecar cases with connection policies (Timeout, CircuitBreaker, HealthCheck, Retry): web sends
 * to backend (TCP, split 90/10 over two versions, one of them also in zone-2 behind an ingress), to
 * db (TCP) and to api (HTTP). Every field the generator applies is set on the policies for web to
 * backend (and api: the HTTP health check); db gets the catch-all policies.
 */
final class PolicyScenarios {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Instant T1 = Instant.parse("2026-01-02T00:00:00Z");

  private PolicyScenarios() {}

  static Scenarios.Scenario connectionPolicies() {
    Resource web =
        dataplane(
            "web-1",
            "10.0.0.1",
            List.of(inbound(10080, 8080, svc("web"))),
            List.of(
                DataplaneSpec.Outbound.of(10001, "backend"),
                DataplaneSpec.Outbound.of(10002, "db"),
                DataplaneSpec.Outbound.of(10003, "api")));
    MeshState state =
        new MeshState(
            Fixtures.ZONE,
            mesh(true),
            List.of(
                web,
                Scenarios.backend("backend-1", "10.0.0.2", "v1"),
                Scenarios.backend("backend-2", "10.0.0.3", "v2"),
                dataplane("db-1", "10.0.0.5", List.of(inbound(15432, 5432, svc("db"))), List.of()),
                dataplane(
                    "api-1",
                    "10.0.0.6",
                    List.of(inbound(18080, 8080, svc("api", Tags.PROTOCOL, "http"))),
                    List.of())),
            List.of(
                ingress(
                    "zone-2-ingress",
                    "zone-2",
                    "192.168.2.10",
                    10001,
                    List.of(available(svc("backend", "version", "v1", Tags.ZONE, "zone-2"), 2)))),
            List.of(),
            List.of(
                route(
                    "backend-versions",
                    List.of(svc("web")),
                    List.of(svc("backend")),
                    split(
                        weight(90, svc("backend", "version", "v1")),
                        weight(10, svc("backend", "version", "v2"))))),
            Map.of(
                StandardTypes.TIMEOUT,
                List.of(catchAllTimeout(), webToBackendTimeout()),
                StandardTypes.CIRCUIT_BREAKER,
                List.of(catchAllCircuitBreaker(), webToBackendCircuitBreaker()),
                StandardTypes.HEALTH_CHECK,
                List.of(catchAllHealthCheck(), webToBackendHealthCheck()),
                StandardTypes.RETRY,
                List.of(webToBackendRetry())));
    return new Scenarios.Scenario("mtls-connection-policies", state, web);
  }

  static Resource catchAllTimeout() {
    return Fixtures.policy(
        StandardTypes.TIMEOUT,
        "timeout-all-default",
        T0,
        new TimeoutSpec(
            selectors(List.of(svc(Tags.WILDCARD))),
            selectors(List.of(svc(Tags.WILDCARD))),
            new TimeoutSpec.Conf("5s", new TimeoutSpec.Tcp("1h"), null, null)));
  }

  static Resource webToBackendTimeout() {
    return Fixtures.policy(
        StandardTypes.TIMEOUT,
        "web-to-backend",
        T0,
        new TimeoutSpec(
            selectors(List.of(svc("web"))),
            selectors(List.of(svc("backend"))),
            new TimeoutSpec.Conf("2.5s", new TimeoutSpec.Tcp("30m"), null, null)));
  }

  /** Thresholds and one detector given without its count (Envoy's default count applies). */
  static Resource catchAllCircuitBreaker() {
    return Fixtures.policy(
        StandardTypes.CIRCUIT_BREAKER,
        "circuit-breaker-all-default",
        T0,
        new CircuitBreakerSpec(
            selectors(List.of(svc(Tags.WILDCARD))),
            selectors(List.of(svc(Tags.WILDCARD))),
            new CircuitBreakerSpec.Conf(
                null,
                null,
                null,
                null,
                new CircuitBreakerSpec.Detectors(
                    new CircuitBreakerSpec.Errors(null), null, null, null, null),
                new CircuitBreakerSpec.Thresholds(1024, 1024, 1024, 3))));
  }

  /** Every field set; splitExternalAndLocalErrors left out (so localErrors turns it on). */
  static Resource webToBackendCircuitBreaker() {
    return Fixtures.policy(
        StandardTypes.CIRCUIT_BREAKER,
        "web-to-backend",
        T1,
        new CircuitBreakerSpec(
            selectors(List.of(svc("web"))),
            selectors(List.of(svc("backend"))),
            new CircuitBreakerSpec.Conf(
                "5s",
                "30s",
                20,
                null,
                new CircuitBreakerSpec.Detectors(
                    new CircuitBreakerSpec.Errors(21),
                    new CircuitBreakerSpec.Errors(22),
                    new CircuitBreakerSpec.Errors(23),
                    new CircuitBreakerSpec.StandardDeviation(10, 5, 1.9),
                    new CircuitBreakerSpec.Failure(31, 32, 85)),
                new CircuitBreakerSpec.Thresholds(11, 12, 13, 14))));
  }

  /** The required fields only: a TCP connect check. */
  static Resource catchAllHealthCheck() {
    return Fixtures.policy(
        StandardTypes.HEALTH_CHECK,
        "health-check-all",
        T0,
        new HealthCheckSpec(
            selectors(List.of(svc(Tags.WILDCARD))),
            selectors(List.of(svc(Tags.WILDCARD))),
            new HealthCheckSpec.Conf(
                "10s", "2s", 3, 1, null, null, null, null, null, null, null, null, null, null,
                null)));
  }

  /** Every field set, a TCP and an HTTP check: TCP for backend, HTTP for api. */
  static Resource webToBackendHealthCheck() {
    return Fixtures.policy(
        StandardTypes.HEALTH_CHECK,
        "web-to-backend",
        T0,
        new HealthCheckSpec(
            selectors(List.of(svc("web"))),
            selectors(List.of(svc("backend"), svc("api"))),
            new HealthCheckSpec.Conf(
                "1s",
                "500ms",
                2,
                3,
                "100ms",
                "200ms",
                10,
                60.0,
                true,
                "30s",
                "/dev/stdout",
                true,
                false,
                new HealthCheckSpec.Tcp("cGluZw==", List.of("cG9uZw==")),
                new HealthCheckSpec.Http(
                    "/health",
                    List.of(
                        new HealthCheckSpec.HeaderValueOption(
                            new HealthCheckSpec.HeaderValue("x-health", "1"), false),
                        new HealthCheckSpec.HeaderValueOption(
                            new HealthCheckSpec.HeaderValue("x-from", "mesh"), null)),
                    List.of(200, 204)))));
  }

  /** TCP retries only (HTTP and gRPC retries are not applied yet). */
  static Resource webToBackendRetry() {
    return Fixtures.policy(
        StandardTypes.RETRY,
        "web-to-backend",
        T0,
        new RetrySpec(
            selectors(List.of(svc("web"))),
            selectors(List.of(svc("backend"))),
            new RetrySpec.Conf(null, new RetrySpec.Tcp(5), null)));
  }
}

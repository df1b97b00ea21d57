package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.available;
import static io.meshfed.xds.sidecar.Fixtures.dataplane;
import static io.meshfed.xds.sidecar.Fixtures.inbound;
import static io.meshfed.xds.sidecar.Fixtures.ingress;
import static io.meshfed.xds.sidecar.Fixtures.mesh;
import static io.meshfed.xds.sidecar.Fixtures.notReady;
import static io.meshfed.xds.sidecar.Fixtures.permission;
import static io.meshfed.xds.sidecar.Fixtures.route;
import static io.meshfed.xds.sidecar.Fixtures.split;
import static io.meshfed.xds.sidecar.Fixtures.svc;
import static io.meshfed.xds.sidecar.Fixtures.weight;

import io.meshfed.model.Resource;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.TrafficRouteSpec;
import io.meshfed.model.spec.TrafficRouteSpec.StringMatcher;
import io.meshfed.model.spec.ZoneIngressSpec;
import io.meshfed.xds.MeshState;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** The sidecar test cases: one mesh state and the dataplane whose config is generated. */
final class Scenarios {
  static final String HTTP = "http";

  private Scenarios() {}

  /** A named case; {@code state} decides whether an identity is needed (mTLS). */
  record Scenario(
      String name, MeshState state, Resource dataplane, Optional<String> accessLogSocketPath) {
    Scenario(String name, MeshState state, Resource dataplane) {
      this(name, state, dataplane, Optional.empty());
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Scenario> all() {
    return Stream.concat(base(), FailoverScenarios.all());
  }

  private static Stream<Scenario> base() {
    return Stream.of(
            core(),
            LbModifyScenarios.all(),
            FaultScenarios.all(),
            HttpPolicyScenarios.all(),
            ProxyTemplateScenarios.all(),
            MetricsScenarios.all(),
            AccessLogScenarios.all(),
            TracingScenarios.all())
        .flatMap(s -> s);
  }

  static Stream<Scenario> core() {
    return Stream.of(
        mtlsOffLocal(),
        mtlsPermissions(),
        mtlsSplitByZone(),
        mtlsHttp(),
        denyAll(),
        PolicyScenarios.connectionPolicies(),
        l7("mtls-l7-http", true, HTTP),
        l7("mtls-l7-http2", true, "http2"),
        l7("mtls-l7-grpc", true, "grpc"),
        l7("mtls-off-l7-http2", false, "http2"),
        mixedProtocols());
  }

  static Resource web(Map<String, String> webTags) {
    return dataplane(
        "web-1",
        "10.0.0.1",
        List.of(inbound(10080, 8080, webTags)),
        List.of(DataplaneSpec.Outbound.of(10001, "backend")));
  }

  static Resource backend(String name, String address, String version, String... more) {
    String[] tags =
        Stream.concat(Stream.of("version", version), Stream.of(more)).toArray(String[]::new);
    return dataplane(name, address, List.of(inbound(10080, 8080, svc("backend", tags))), List.of());
  }

  /** mTLS off: a local service only; a remote ingress is ignored, a not-ready inbound too. */
  static Scenario mtlsOffLocal() {
    Resource web = web(svc("web"));
    Resource notReady =
        dataplane(
            "backend-3",
            "10.0.0.4",
            List.of(notReady(10080, 8080, svc("backend", "version", "v1"))),
            List.of());
    MeshState state =
        new MeshState(
            Fixtures.ZONE,
            mesh(false),
            List.of(web, backend("backend-1", "10.0.0.2", "v1"), notReady),
            List.of(
                ingress(
                    "zone-2-ingress",
                    "zone-2",
                    "192.168.2.10",
                    10001,
                    List.of(available(svc("backend", Tags.ZONE, "zone-2"), 2)))),
            List.of(),
            List.of());
    return new Scenario("mtls-off-local", state, web);
  }

  /** mTLS on: permissions with service, wildcard and non-service-tag sources; two do not apply. */
  static Scenario mtlsPermissions() {
    Resource backend = backend("backend-1", "10.0.0.2", "v1");
    MeshState state =
        new MeshState(
            Fixtures.ZONE,
            mesh(true),
            List.of(backend),
            List.of(),
            List.of(
                permission(
                    "allow-web-and-friends",
                    List.of(
                        svc("web"),
                        svc(Tags.WILDCARD, Tags.ZONE, "zone-2"),
                        Map.of("team", Tags.WILDCARD)),
                    List.of(svc("backend"))),
                permission(
                    "allow-any-versioned",
                    List.of(svc(Tags.WILDCARD)),
                    List.of(svc("backend", "version", Tags.WILDCARD))),
                permission("db-only", List.of(svc("web")), List.of(svc("db"))),
                permission(
                    "backend-v2-only",
                    List.of(svc("web")),
                    List.of(svc("backend", "version", "v2")))),
            List.of());
    return new Scenario("mtls-permissions", state, backend);
  }

  /**
   * mTLS on, TCP: a TrafficRoute splits backend 50/50 between zone-1 and zone-2 (a weight-0 entry
   * is dropped), beating a wildcard route; zone-2 has two ingress replicas behind one address and
   * lists backend twice (v1 x2, v2 x1, so weight 3); zone-3 and another mesh's service are not
   * selected.
   */
  static Scenario mtlsSplitByZone() {
    Resource web = web(svc("web"));
    List<ZoneIngressSpec.AvailableService> zone2 =
        List.of(
            available(svc("backend", "version", "v1", Tags.ZONE, "zone-2"), 2),
            available(svc("backend", "version", "v2", Tags.ZONE, "zone-2"), 1),
            available(svc("web", Tags.ZONE, "zone-2"), 5),
            new ZoneIngressSpec.AvailableService(
                svc("backend", Tags.ZONE, "zone-2"), 7, "other-mesh", null));
    MeshState state =
        new MeshState(
            Fixtures.ZONE,
            mesh(true),
            List.of(
                web,
                backend("backend-1", "10.0.0.2", "v1"),
                backend("backend-2", "10.0.0.3", "v2")),
            List.of(
                ingress("zone-2-ingress-a", "zone-2", "192.168.2.10", 10001, zone2),
                ingress("zone-2-ingress-b", "zone-2", "192.168.2.10", 10001, zone2),
                ingress(
                    "zone-3-ingress",
                    "zone-3",
                    "192.168.3.10",
                    10001,
                    List.of(available(svc("backend", "version", "v1", Tags.ZONE, "zone-3"), 4))),
                ingress(
                    "zone-1-ingress",
                    "zone-1",
                    "192.168.1.10",
                    10001,
                    List.of(available(svc("backend", Tags.ZONE, "zone-1"), 2)))),
            List.of(),
            List.of(
                route(
                    "backend-by-zone",
                    List.of(svc("web")),
                    List.of(svc("backend")),
                    split(
                        weight(50, svc("backend", Tags.ZONE, "zone-1")),
                        weight(50, svc("backend", Tags.ZONE, "zone-2")),
                        weight(0, svc("backend", "version", "v3")))),
                route(
                    "a-catch-all",
                    List.of(svc(Tags.WILDCARD)),
                    List.of(svc(Tags.WILDCARD)),
                    new TrafficRouteSpec.Conf(null, null, svc(Tags.WILDCARD), null)),
                route(
                    "mobile-only",
                    List.of(svc("mobile")),
                    List.of(svc("backend")),
                    new TrafficRouteSpec.Conf(null, null, svc("backend", "version", "v2"), null))));
    return new Scenario("mtls-split-by-zone", state, web);
  }

  /**
   * mTLS on, HTTP: three rules (prefix + method, exact path + header with a 90/10 split, regex path
   * + header prefix), then the default 50/50 split by zone; a remote zone serves backend too.
   */
  static Scenario mtlsHttp() {
    Resource web = web(svc("web", Tags.PROTOCOL, HTTP));
    List<TrafficRouteSpec.Http> rules =
        List.of(
            new TrafficRouteSpec.Http(
                new TrafficRouteSpec.HttpMatch(
                    new StringMatcher(null, "GET", null),
                    new StringMatcher("/users", null, null),
                    null),
                null,
                null,
                svc("backend", "version", "v2")),
            new TrafficRouteSpec.Http(
                new TrafficRouteSpec.HttpMatch(
                    null,
                    new StringMatcher(null, "/healthz", null),
                    Map.of("x-canary", new StringMatcher(null, "1", null))),
                null,
                List.of(
                    weight(90, svc("backend", "version", "v1")),
                    weight(10, svc("backend", "version", "v2"))),
                null),
            new TrafficRouteSpec.Http(
                new TrafficRouteSpec.HttpMatch(
                    null,
                    new StringMatcher(null, null, "^/api/v[0-9]+/.*"),
                    Map.of("x-user", new StringMatcher("admin-", null, null))),
                null,
                null,
                svc("backend", Tags.ZONE, "zone-2")));
    MeshState state =
        new MeshState(
            Fixtures.ZONE,
            mesh(true),
            List.of(
                web,
                backend("backend-1", "10.0.0.2", "v1", Tags.PROTOCOL, HTTP),
                backend("backend-2", "10.0.0.3", "v2", Tags.PROTOCOL, HTTP)),
            List.of(
                ingress(
                    "zone-2-ingress",
                    "zone-2",
                    "192.168.2.10",
                    10001,
                    List.of(
                        available(
                            svc(
                                "backend",
                                "version",
                                "v2",
                                Tags.PROTOCOL,
                                HTTP,
                                Tags.ZONE,
                                "zone-2"),
                            2)))),
            List.of(),
            List.of(
                route(
                    "backend-http",
                    List.of(svc("web")),
                    List.of(svc("backend")),
                    new TrafficRouteSpec.Conf(
                        List.of(
                            weight(50, svc("backend", Tags.ZONE, "zone-1")),
                            weight(50, svc("backend", Tags.ZONE, "zone-2"))),
                        null,
                        null,
                        rules))));
    return new Scenario("mtls-http", state, web);
  }

  /** mTLS on, and the only permission targets another service: the inbound denies everyone. */
  static Scenario denyAll() {
    Resource backend = backend("backend-1", "10.0.0.2", "v1");
    MeshState state =
        new MeshState(
            Fixtures.ZONE,
            mesh(true),
            List.of(backend),
            List.of(),
            List.of(permission("db-only", List.of(svc("web")), List.of(svc("db")))),
            List.of());
    return new Scenario("mtls-deny-all", state, backend);
  }

  /**
   * An {@code api} dataplane whose inbound and whose outbound service ({@code backend}: one local
   * instance, two behind zone-2's ingress) all declare {@code protocol}; permissions allow web to
   * api (applies), web to backend and everyone to api v2 (do not apply).
   */
  static Scenario l7(String name, boolean mtls, String protocol) {
    Resource api =
        dataplane(
            "api-1",
            "10.0.0.5",
            List.of(inbound(10080, 8080, svc("api", Tags.PROTOCOL, protocol))),
            List.of(DataplaneSpec.Outbound.of(10001, "backend")));
    MeshState state =
        new MeshState(
            Fixtures.ZONE,
            mesh(mtls),
            List.of(api, backend("backend-1", "10.0.0.2", "v1", Tags.PROTOCOL, protocol)),
            List.of(
                ingress(
                    "zone-2-ingress",
                    "zone-2",
                    "192.168.2.10",
                    10001,
                    List.of(
                        available(
                            svc("backend", Tags.PROTOCOL, protocol, Tags.ZONE, "zone-2"), 2)))),
            List.of(
                permission("web-to-api", List.of(svc("web")), List.of(svc("api"))),
                permission("web-to-backend", List.of(svc("web")), List.of(svc("backend"))),
                permission(
                    "any-to-api-v2",
                    List.of(svc(Tags.WILDCARD)),
                    List.of(svc("api", "version", "v2")))),
            List.of());
    return new Scenario(name, state, api);
  }

  /**
   * mTLS on: the local backend says {@code http2}, zone-2's says {@code http}; the outbound falls
   * back to TCP and the cluster keeps Envoy's default HTTP version (it carries bytes).
   */
  static Scenario mixedProtocols() {
    Resource web = web(svc("web"));
    MeshState state =
        new MeshState(
            Fixtures.ZONE,
            mesh(true),
            List.of(web, backend("backend-1", "10.0.0.2", "v1", Tags.PROTOCOL, "http2")),
            List.of(
                ingress(
                    "zone-2-ingress",
                    "zone-2",
                    "192.168.2.10",
                    10001,
                    List.of(
                        available(svc("backend", Tags.PROTOCOL, HTTP, Tags.ZONE, "zone-2"), 2)))),
            List.of(permission("web-to-backend", List.of(svc("web")), List.of(svc("backend")))),
            List.of());
    return new Scenario("mtls-mixed-protocols", state, web);
  }
}

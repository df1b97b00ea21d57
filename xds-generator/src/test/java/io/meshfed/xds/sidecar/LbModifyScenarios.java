package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.dataplane;
import static io.meshfed.xds.sidecar.Fixtures.inbound;
import static io.meshfed.xds.sidecar.Fixtures.mesh;
import static io.meshfed.xds.sidecar.Fixtures.svc;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.xds.MeshState;
import java.util.List;
import java.util.stream.Stream;

/**
 * Sidecar cases for TrafficRoute {@code loadBalancer} and {@code http[].modify}: the routes are
 * written as a user would (YAML through the standard codec, so they also pass validation and the
 * not-supported list).
 */
final class LbModifyScenarios {
  private static final ResourceCodec CODEC = new ResourceCodec(StandardTypes.registry());

  private LbModifyScenarios() {}

  static Stream<Scenarios.Scenario> all() {
    return Stream.of(httpRingHashAndModify(true), httpRingHashAndModify(false), tcpAlgorithms());
  }

  static Resource route(String yaml) {
    return CODEC.decodeOne(yaml);
  }

  /**
   * web sends to api (HTTP): ring hash with every kind of hash policy, and rules that rewrite the
   * prefix, the path by regex, the host (literal and from the path) and headers both ways.
   */
  static Scenarios.Scenario httpRingHashAndModify(boolean mtls) {
    Resource web =
        dataplane(
            "web-1",
            "10.0.0.1",
            List.of(inbound(10080, 8080, svc("web", Tags.PROTOCOL, "http"))),
            List.of(DataplaneSpec.Outbound.of(10001, "api")));
    Resource route =
        route(
            """
            type: TrafficRoute
            mesh: default
            name: api-sticky
            sources: [{match: {kuma.io/service: web}}]
            destinations: [{match: {kuma.io/service: api}}]
            conf:
              loadBalancer:
                ringHash:
                  hashFunction: MURMUR_HASH_2
                  minRingSize: 64
                  maxRingSize: 1024
                  hashPolicies:
                  - {type: Header, header: {name: x-user}, terminal: true}
                  - {type: Cookie, cookie: {name: session, ttl: 1h, path: /}}
                  - {type: QueryParameter, queryParameter: {name: user}}
                  - {type: FilterState, filterState: {key: io.meshfed.session}}
                  - {type: SourceIP}
              http:
              - match: {path: {prefix: /v1/}}
                modify:
                  path: {rewritePrefix: /api/}
                  host: {value: api.internal}
                  requestHeaders:
                    add: [{name: x-route, value: v1}, {name: x-trace, value: a, append: true}]
                    remove: [{name: x-debug}]
                  responseHeaders:
                    add: [{name: x-served-by, value: mesh}]
                    remove: [{name: server}]
                destination: {kuma.io/service: api, version: v1}
              - match: {path: {regex: '^/users/[0-9]+/.*'}}
                modify:
                  path: {regex: {pattern: '^/users/([0-9]+)/(.*)$', substitution: '/u/\\1/\\2'}}
                  host: {fromPath: {pattern: '^/users/([0-9]+)/.*$', substitution: 'shard-\\1'}}
                destination: {kuma.io/service: api}
              - match: {path: {exact: /old}}
                modify: {path: {rewritePrefix: /new}}
                destination: {kuma.io/service: api}
              destination: {kuma.io/service: api}
            """);
    MeshState state =
        new MeshState(
            Fixtures.ZONE,
            mesh(mtls),
            List.of(
                web,
                api("api-1", "10.0.0.2", "v1"),
                api("api-2", "10.0.0.3", "v2"),
                api("api-3", "10.0.0.4", "v2")),
            List.of(),
            List.of(),
            List.of(route));
    return new Scenarios.Scenario((mtls ? "mtls" : "mtls-off") + "-ring-hash-modify", state, web);
  }

  /** TCP: maglev with a source-IP hash, least request, random, each on its own service. */
  static Scenarios.Scenario tcpAlgorithms() {
    Resource web =
        dataplane(
            "web-1",
            "10.0.0.1",
            List.of(inbound(10080, 8080, svc("web"))),
            List.of(
                DataplaneSpec.Outbound.of(10001, "backend"),
                DataplaneSpec.Outbound.of(10002, "db"),
                DataplaneSpec.Outbound.of(10003, "cache")));
    MeshState state =
        new MeshState(
            Fixtures.ZONE,
            mesh(true),
            List.of(
                web,
                Scenarios.backend("backend-1", "10.0.0.2", "v1"),
                dataplane("db-1", "10.0.0.5", List.of(inbound(15432, 5432, svc("db"))), List.of()),
                dataplane(
                    "cache-1", "10.0.0.6", List.of(inbound(16379, 6379, svc("cache"))), List.of())),
            List.of(),
            List.of(),
            List.of(
                tcpRoute("backend", "maglev: {hashPolicies: [{type: SourceIP}]}"),
                tcpRoute("db", "leastRequest: {choiceCount: 3}"),
                tcpRoute("cache", "random: {}")));
    return new Scenarios.Scenario("mtls-tcp-load-balancers", state, web);
  }

  private static Resource tcpRoute(String service, String loadBalancer) {
    return route(
        """
        type: TrafficRoute
        mesh: default
        name: %s-lb
        sources: [{match: {kuma.io/service: web}}]
        destinations: [{match: {kuma.io/service: %s}}]
        conf:
          loadBalancer: {%s}
          destination: {kuma.io/service: %s}
        """
            .formatted(service, service, loadBalancer, service));
  }

  private static Resource api(String name, String address, String version) {
    return dataplane(
        name,
        address,
        List.of(inbound(18080, 8080, svc("api", "version", version, Tags.PROTOCOL, "http"))),
        List.of());
  }
}

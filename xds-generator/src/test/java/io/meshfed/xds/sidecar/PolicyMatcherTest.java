package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.svc;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.TimeoutSpec;
import io.meshfed.model.spec.TrafficRouteSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The policy engine's choice, case by case. The cases marked "docs" are the examples of Kuma's "How
 * Kuma chooses the right policy to apply" page
 * (https://kuma.io/docs/2.5.x/policies/how-kuma-chooses-the-right-policy-to-apply/): the
 * catch-all-policy / web-to-backend-policy pair and the four general rules. The policies are
 * TrafficRoutes so that the same table also checks {@link RouteSelector}, which uses the engine.
 */
class PolicyMatcherTest {
  private static final String W = Tags.WILDCARD;
  private static final Instant OLD = Instant.parse("2019-01-01T20:00:00Z");
  private static final Instant NEW = Instant.parse("2020-01-01T20:00:00Z");

  /** A proxy (its inbound tag sets), the policies, the outbound service and the expected winner. */
  record Case(
      String name,
      List<Map<String, String>> inbounds,
      List<Resource> policies,
      String service,
      String expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Resource policy(
      String name,
      Instant created,
      List<Map<String, String>> sources,
      List<Map<String, String>> destinations) {
    Resource r =
        Fixtures.route(
            name, sources, destinations, new TrafficRouteSpec.Conf(null, null, svc(W), null));
    return r.withMeta(new Meta(Map.of(), 1, created, created));
  }

  static Resource policy(String name, Map<String, String> source, Map<String, String> dest) {
    return policy(name, OLD, List.of(source), List.of(dest));
  }

  static Stream<Case> cases() {
    Map<String, String> webAwsUs = svc("web", "cloud", "aws", "region", "us", "version", "v1");
    Resource catchAll = policy("catch-all-policy", svc(W), svc(W));
    Resource webToBackend =
        policy("web-to-backend-policy", svc("web", "cloud", "aws", "region", "us"), svc("backend"));
    List<Resource> docsPair = List.of(catchAll, webToBackend);
    return Stream.of(
        new Case(
            "docs: web (aws, us) to backend gets web-to-backend-policy (4 tags over 2)",
            List.of(webAwsUs),
            docsPair,
            "backend",
            "web-to-backend-policy"),
        new Case(
            "docs: web (aws, us) to db gets catch-all-policy",
            List.of(webAwsUs),
            docsPair,
            "db",
            "catch-all-policy"),
        new Case(
            "docs: web in another cloud to backend gets catch-all-policy",
            List.of(svc("web", "cloud", "gcp", "region", "us")),
            docsPair,
            "backend",
            "catch-all-policy"),
        new Case(
            "docs rule 1: more tags ({*, cloud, region}) over fewer ({*})",
            List.of(webAwsUs),
            List.of(
                policy("a-fewer", svc(W), svc("backend")),
                policy("z-more", svc(W, "cloud", "aws", "region", "us"), svc("backend"))),
            "backend",
            "z-more"),
        new Case(
            "docs rule 1: more tags win even when they are wildcards",
            List.of(webAwsUs),
            List.of(
                policy("a-one-exact", svc("web"), svc("backend")),
                policy("z-two-wildcards", svc(W, "version", W), svc("backend"))),
            "backend",
            "z-two-wildcards"),
        new Case(
            "docs rule 2: an exact value ({web}) over a wildcard ({*})",
            List.of(webAwsUs),
            List.of(
                policy("a-wildcard", svc(W), svc("backend")),
                policy("z-exact", svc("web"), svc("backend"))),
            "backend",
            "z-exact"),
        new Case(
            "docs rule 3: same number of tags, more exact values ({web, v1} over {web, *})",
            List.of(webAwsUs),
            List.of(
                policy("a-version-wildcard", svc("web", "version", W), svc("backend")),
                policy("z-version-exact", svc("web", "version", "v1"), svc("backend"))),
            "backend",
            "z-version-exact"),
        new Case(
            "docs rule 4: equal rank, the newest wins",
            List.of(webAwsUs),
            List.of(
                policy("a-older", OLD, List.of(svc("web", "cloud", "aws")), List.of(svc(W))),
                policy("b-newer", NEW, List.of(svc("web", "version", "v1")), List.of(svc(W)))),
            "backend",
            "b-newer"),
        new Case(
            "equal rank and creation time: the smaller name",
            List.of(webAwsUs),
            List.of(
                policy("b-second", svc("web"), svc("backend")),
                policy("a-first", svc("web"), svc("backend"))),
            "backend",
            "a-first"),
        new Case(
            "a policy without creationTime is older than one with",
            List.of(webAwsUs),
            List.of(
                policy("a-untimed", null, List.of(svc("web")), List.of(svc("backend"))),
                policy("b-timed", OLD, List.of(svc("web")), List.of(svc("backend")))),
            "backend",
            "b-timed"),
        new Case(
            "source and destination count: a specific destination over a catch-all one",
            List.of(webAwsUs),
            List.of(
                policy("a-web-to-any", svc("web"), svc(W)),
                policy("z-web-to-backend", svc("web"), svc("backend"))),
            "backend",
            "z-web-to-backend"),
        new Case(
            "source and destination count: any-to-backend ties web-to-any, the newer wins",
            List.of(webAwsUs),
            List.of(
                policy("a-web-to-any", OLD, List.of(svc("web")), List.of(svc(W))),
                policy("b-any-to-backend", NEW, List.of(svc(W)), List.of(svc("backend")))),
            "backend",
            "b-any-to-backend"),
        new Case(
            "the best matching source of a policy counts; a non-matching one is ignored",
            List.of(webAwsUs),
            List.of(
                policy(
                    "a-many-sources",
                    OLD,
                    List.of(svc("web", "version", "v9", "cloud", "aws"), svc(W)),
                    List.of(svc("backend"))),
                policy("z-web", svc("web"), svc("backend"))),
            "backend",
            "z-web"),
        new Case(
            "the best matching destination of a policy counts",
            List.of(webAwsUs),
            List.of(
                policy("a-web", svc("web"), svc("backend")),
                policy(
                    "z-two-destinations",
                    NEW,
                    List.of(svc("web")),
                    List.of(svc(W), svc("backend")))),
            "backend",
            "z-two-destinations"),
        new Case(
            "a destination with more than the service tag never matches an outbound",
            List.of(webAwsUs),
            List.of(policy("versioned", svc("web"), svc("backend", "version", "v1"))),
            "backend",
            null),
        new Case(
            "no inbounds: only all-wildcard sources match",
            List.of(),
            List.of(
                policy("a-web", svc("web"), svc("backend")),
                policy("z-wildcards", svc(W, "cloud", W), svc("backend"))),
            "backend",
            "z-wildcards"),
        new Case(
            "no inbounds and no all-wildcard source: nothing applies",
            List.of(),
            List.of(policy("a-web", svc("web"), svc("backend"))),
            "backend",
            null),
        new Case(
            "several inbounds: a source matching any of them applies",
            List.of(svc("web"), svc("admin", "team", "ops")),
            List.of(
                policy("a-catch-all", svc(W), svc(W)),
                policy("z-ops", svc(W, "team", "ops"), svc("backend"))),
            "backend",
            "z-ops"),
        new Case(
            "nothing matches the service",
            List.of(webAwsUs),
            List.of(policy("to-db", svc("web"), svc("db"))),
            "backend",
            null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void picksTheMostSpecificThenNewestThenName(Case c) {
    assertThat(PolicyMatcher.forProxy(c.policies(), c.inbounds()).best(c.service()))
        .map(Resource::name)
        .isEqualTo(Optional.ofNullable(c.expected()));
    assertThat(RouteSelector.select(c.policies(), c.inbounds(), c.service()))
        .as("RouteSelector")
        .map(Resource::name)
        .isEqualTo(Optional.ofNullable(c.expected()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theOrderOfThePoliciesDoesNotMatter(Case c) {
    List<Resource> reversed = new ArrayList<>(c.policies());
    Collections.reverse(reversed);
    assertThat(PolicyMatcher.forProxy(reversed, c.inbounds()).best(c.service()))
        .map(Resource::name)
        .isEqualTo(Optional.ofNullable(c.expected()));
  }

  @Test
  void aRouteWithoutConfIsNotACandidate() {
    Resource noConf =
        Fixtures.route("z-no-conf", List.of(svc("web")), List.of(svc("backend")), null);
    Resource wildcard = policy("a-wildcard", svc(W), svc(W));

    assertThat(RouteSelector.select(List.of(noConf, wildcard), List.of(svc("web")), "backend"))
        .map(Resource::name)
        .hasValue("a-wildcard");
  }

  @Test
  void anInboundGetsThePolicyWithTheMostSpecificMatchingDestination() {
    Map<String, String> inbound = svc("backend", "version", "v1", Tags.ZONE, "zone-1");
    Resource any = timeout("a-any", OLD, svc(W));
    Resource backend = timeout("b-backend", OLD, svc("backend"));
    Resource v1 = timeout("c-backend-v1", OLD, svc("backend", "version", "v1"));
    Resource v2 = timeout("d-backend-v2", NEW, svc("backend", "version", "v2"));
    Resource v1Newer = timeout("e-backend-v1-newer", NEW, svc("backend", "version", "v1"));

    assertThat(PolicyMatcher.forInbound(List.of(any, backend, v2), inbound))
        .map(Resource::name)
        .hasValue("b-backend");
    assertThat(PolicyMatcher.forInbound(List.of(v1, any, backend, v2), inbound))
        .map(Resource::name)
        .hasValue("c-backend-v1");
    assertThat(PolicyMatcher.forInbound(List.of(v1Newer, v1, backend), inbound))
        .map(Resource::name)
        .hasValue("e-backend-v1-newer");
    assertThat(PolicyMatcher.forInbound(List.of(v2), inbound)).isEmpty();
  }

  @Test
  void anyPolicyTypeWithSourcesAndDestinationsWorks() {
    Resource t = timeout("any-timeout", OLD, svc("backend"));

    assertThat(PolicyMatcher.forProxy(List.of(t), List.of(svc("web"))).best("backend")).hasValue(t);
  }

  private static Resource timeout(String name, Instant created, Map<String, String> dest) {
    return new Resource(
        ResourceKey.inMesh(StandardTypes.TIMEOUT, Fixtures.MESH, name),
        new Meta(Map.of(), 1, created, created),
        new TimeoutSpec(
            Fixtures.selectors(List.of(svc(W))),
            Fixtures.selectors(List.of(dest)),
            new TimeoutSpec.Conf("1s", null, null, null)));
  }
}

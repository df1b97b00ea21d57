package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.selectors;
import static io.meshfed.xds.sidecar.Fixtures.svc;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.FaultInjectionSpec;
import io.meshfed.model.spec.Selector;
import io.meshfed.model.spec.Tags;
import io.meshfed.testing.EnvoyBinary;
import io.meshfed.xds.EnvoyJson;
import io.meshfed.xds.ProxyConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * FaultInjection and RateLimit on backend's inbounds (scenarios of {@link FaultScenarios}): which
 * policy applies, where its values land, the TCP inbound left alone, and how sources match the
 * {@code x-kuma-tags} header.
 */
class InboundHttpPoliciesTest {
  private static final Path EXAMPLES =
      Path.of("../resource-model/src/test/resources/kuma-examples");
  private static final ResourceCodec CODEC = new ResourceCodec(StandardTypes.registry());

  private static ProxyConfig generate(Scenarios.Scenario s) {
    return SidecarGeneratorTest.generate(s);
  }

  private static List<String> httpFilters(ProxyConfig c, String listener) throws Exception {
    Listener l =
        c.listeners().stream().filter(x -> x.getName().equals(listener)).findFirst().orElseThrow();
    var filter = l.getFilterChains(0).getFilters(0);
    if (!filter.getTypedConfig().is(HttpConnectionManager.class)) {
      return List.of();
    }
    return filter.getTypedConfig().unpack(HttpConnectionManager.class).getHttpFiltersList().stream()
        .map(HttpFilter::getName)
        .toList();
  }

  private static List<Route> inboundRoutes(ProxyConfig c) {
    RouteConfiguration rc =
        c.routes().stream()
            .filter(r -> r.getName().equals("inbound:10.0.0.2:10080"))
            .findFirst()
            .orElseThrow();
    return rc.getVirtualHosts(0).getRoutesList();
  }

  @Test
  void theMostSpecificPolicyAppliesToTheHttpInboundOnly() throws Exception {
    ProxyConfig c = generate(FaultScenarios.all().findFirst().orElseThrow());
    assertThat(httpFilters(c, "inbound:10.0.0.2:10080"))
        .containsExactly(
            Inbounds.HTTP_RBAC,
            InboundHttpPolicies.FAULT,
            InboundHttpPolicies.LOCAL_RATE_LIMIT,
            Xds.ROUTER);
    assertThat(httpFilters(c, "inbound:10.0.0.2:19901"))
        .as("the TCP inbound has no HTTP filters to carry them")
        .isEmpty();
    List<Route> routes = inboundRoutes(c);
    // web-to-backend (destination backend + protocol) beats the newer all-http (destination *):
    // two source selectors, two restricted routes, then the rest; the rate limit is for everyone.
    assertThat(routes).hasSize(3);
    HTTPFault fault =
        routes
            .get(0)
            .getTypedPerFilterConfigOrThrow(InboundHttpPolicies.FAULT)
            .unpack(HTTPFault.class);
    assertThat(fault.getAbort().getHttpStatus()).isEqualTo(503);
    assertThat(fault.getAbort().getPercentage().getNumerator()).isEqualTo(300_000);
    assertThat(fault.getDelay().getFixedDelay().getSeconds()).isEqualTo(5);
    assertThat(fault.getResponseRateLimit().getFixedLimit().getLimitKbps()).isEqualTo(50_000);
    assertThat(routes.get(2).getTypedPerFilterConfigMap())
        .containsOnlyKeys(InboundHttpPolicies.LOCAL_RATE_LIMIT);
    LocalRateLimit limit =
        routes
            .get(2)
            .getTypedPerFilterConfigOrThrow(InboundHttpPolicies.LOCAL_RATE_LIMIT)
            .unpack(LocalRateLimit.class);
    assertThat(limit.getTokenBucket().getMaxTokens()).isEqualTo(5);
    assertThat(limit.getTokenBucket().getTokensPerFill().getValue()).isEqualTo(5);
    assertThat(limit.getTokenBucket().getFillInterval().getSeconds()).isEqualTo(1);
    assertThat(limit.getStatus().getCodeValue()).isEqualTo(423);
    assertThat(limit.getResponseHeadersToAddList())
        .extracting(h -> h.getHeader().getKey() + ":" + h.getAppendAction())
        .containsExactly(
            "x-kuma-rate-limited:APPEND_IF_EXISTS_OR_ADD",
            "retry-after:OVERWRITE_IF_EXISTS_OR_ADD");
    assertThat(routes.get(2).getMatch().getHeadersList()).isEmpty();
  }

  @Test
  void withoutAnyPolicyNothingChanges() {
    Scenarios.Scenario none = FaultScenarios.scenario("none", true, List.of(), List.of());
    ProxyConfig c = generate(none);
    assertThat(inboundRoutes(c)).hasSize(1);
    assertThat(c.toString()).doesNotContain(SourceTags.HEADER);
  }

  @Test
  void sendersSetTheirTagsOnlyWhenAPolicyCanReadThem() {
    String outbound = "outbound:api";
    ProxyConfig with = generate(FaultScenarios.all().findFirst().orElseThrow());
    assertThat(with.listeners().toString()).contains(SourceTags.HEADER);
    ProxyConfig without = generate(FaultScenarios.scenario("none", true, List.of(), List.of()));
    assertThat(without.listeners().toString()).contains(outbound).doesNotContain(SourceTags.HEADER);
  }

  @Test
  void theHeaderPoolsEveryInboundsTagsSortedAndOnce() {
    assertThat(
            SourceTags.value(
                List.of(
                    Map.of(Tags.SERVICE, "web", "version", "v1"),
                    Map.of(Tags.SERVICE, "web-admin", "version", "v1"))))
        .isEqualTo("&kuma.io/service=web&&kuma.io/service=web-admin&&version=v1&");
    assertThat(SourceTags.value(List.of())).isEmpty();
  }

  @Test
  void aSelectorMatchesExactlyTheProxiesItSelects() {
    String web = SourceTags.value(List.of(Map.of(Tags.SERVICE, "web", "version", "v1")));
    String webApp = SourceTags.value(List.of(Map.of(Tags.SERVICE, "web-app", "version", "v1")));
    assertThat(matches(Map.of(Tags.SERVICE, "web"), web)).isTrue();
    assertThat(matches(Map.of(Tags.SERVICE, "web"), webApp)).as("no prefix match").isFalse();
    assertThat(matches(Map.of(Tags.SERVICE, "web", "version", "v1"), web)).isTrue();
    assertThat(matches(Map.of(Tags.SERVICE, "web", "version", "v2"), web)).isFalse();
    assertThat(matches(Map.of(Tags.SERVICE, "web", "version", "*"), web)).isTrue();
    assertThat(matches(Map.of(Tags.SERVICE, "web", "region", "*"), web))
        .as("a * value still needs the tag")
        .isFalse();
    assertThat(SourceTags.matchers(List.of(Selector.service("*"), Selector.service("web"))))
        .as("a source selecting everyone needs no match")
        .isEmpty();
  }

  /** Envoy's semantics of the route's header matchers: every one must match. */
  private static boolean matches(Map<String, String> selector, String header) {
    List<HeaderMatcher> all =
        SourceTags.matchers(List.of(Selector.of(selector))).orElseThrow().get(0);
    return all.stream().allMatch(m -> header.contains(m.getStringMatch().getContains()));
  }

  @Test
  void twoRestrictedPoliciesGiveARoutePerCombination() {
    List<Route> routes = inboundRoutes(generate(FaultScenarios.all().skip(1).findFirst().get()));
    // fault: web v1 | frontend; limit: web v2 -> both for (web v1 & web v2) and (frontend & web
    // v2), then each alone, then none.
    assertThat(routes)
        .extracting(r -> r.getTypedPerFilterConfigMap().keySet().stream().sorted().toList())
        .containsExactly(
            List.of(InboundHttpPolicies.FAULT, InboundHttpPolicies.LOCAL_RATE_LIMIT),
            List.of(InboundHttpPolicies.FAULT, InboundHttpPolicies.LOCAL_RATE_LIMIT),
            List.of(InboundHttpPolicies.FAULT),
            List.of(InboundHttpPolicies.FAULT),
            List.of(InboundHttpPolicies.LOCAL_RATE_LIMIT),
            List.of());
    assertThat(routes).allMatch(r -> r.getMatch().getPrefix().equals("/"));
  }

  @Test
  void aDelayOnlyFaultHasNoAbort() throws Exception {
    Resource delay =
        Fixtures.policy(
            StandardTypes.FAULT_INJECTION,
            "slow",
            FaultScenarios.T0,
            new FaultInjectionSpec(
                selectors(List.of(svc("*"))),
                selectors(List.of(svc("backend", Tags.PROTOCOL, "http"))),
                new FaultInjectionSpec.Conf(
                    new FaultInjectionSpec.Delay(100.0, "250ms"), null, null)));
    List<Route> routes =
        inboundRoutes(generate(FaultScenarios.scenario("slow", false, List.of(delay), List.of())));
    assertThat(routes).hasSize(1);
    HTTPFault fault =
        routes
            .get(0)
            .getTypedPerFilterConfigOrThrow(InboundHttpPolicies.FAULT)
            .unpack(HTTPFault.class);
    assertThat(fault.hasAbort()).isFalse();
    assertThat(fault.getDelay().getFixedDelay().getNanos()).isEqualTo(250_000_000);
    assertThat(fault.getDelay().getPercentage().getNumerator()).isEqualTo(1_000_000);
  }

  /**
   * Kuma's documented examples, unchanged, apply to backend's HTTP inbound and Envoy accepts it.
   */
  @ParameterizedTest
  @ValueSource(strings = {"fault-injection.yaml", "rate-limit.yaml"})
  void kumasExamplesApplyAndEnvoyAcceptsThem(String file, @TempDir Path dir) throws Exception {
    Resource policy = CODEC.decodeOne(Files.readString(EXAMPLES.resolve(file)));
    Scenarios.Scenario s =
        FaultScenarios.scenario(
            file,
            true,
            policy.type().equals(StandardTypes.FAULT_INJECTION) ? List.of(policy) : List.of(),
            policy.type().equals(StandardTypes.RATE_LIMIT) ? List.of(policy) : List.of());
    ProxyConfig without = generate(FaultScenarios.scenario(file, true, List.of(), List.of()));
    ProxyConfig config = generate(s);
    assertThat(config).isNotEqualTo(without);
    ProxyConfig real =
        SidecarGenerator.generate(
            s.state(), s.dataplane(), Optional.of(TestCerts.identity("default", "backend")));
    Path bootstrap = dir.resolve("bootstrap.json");
    Files.writeString(
        bootstrap,
        EnvoyJson.print(SidecarEnvoyValidationTest.validationBootstrap(real)),
        StandardCharsets.UTF_8);
    EnvoyBinary.Validation v = EnvoyBinary.validate(bootstrap);
    assertThat(v.ok())
        .as("envoy --mode validate with %s exited %s:%n%s", file, v.exitCode(), v.output())
        .isTrue();
  }
}

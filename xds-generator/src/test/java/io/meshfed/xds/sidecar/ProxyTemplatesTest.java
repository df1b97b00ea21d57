package io.meshfed.xds.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.validation.ValidationException;
import io.meshfed.model.validation.Violation;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.ProxyConfig;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProxyTemplatesTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static ProxyConfig generate(List<Resource> templates) {
    MeshState state = ProxyTemplateScenarios.httpState(false, templates);
    return SidecarGenerator.generate(state, ProxyTemplateScenarios.httpWeb(), Optional.empty());
  }

  private static Resource created(Resource r, Instant at) {
    return new Resource(r.key(), new Meta(r.meta().labels(), 0, at, at), r.spec());
  }

  private static Resource patchTimeout(String name, String selector, String timeout) {
    return ProxyTemplateScenarios.template(
        """
        type: ProxyTemplate
        mesh: default
        name: %s
        selectors: [{match: %s}]
        conf:
          imports: [default-proxy]
          modifications:
          - cluster: {operation: patch, match: {name: api}, value: 'connectTimeout: %s'}
        """
            .formatted(name, selector, timeout));
  }

  private static Cluster cluster(ProxyConfig c, String name) {
    return c.clusters().stream().filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
  }

  private static Listener listener(ProxyConfig c, String name) {
    return c.listeners().stream().filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
  }

  private static HttpConnectionManager hcm(Listener l) {
    Filter f = l.getFilterChains(0).getFilters(l.getFilterChains(0).getFiltersCount() - 1);
    return TemplateModifications.hcm(f);
  }

  /** The checks find nothing wrong in what the generator builds, or every step would be skipped. */
  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.MethodSource("io.meshfed.xds.sidecar.Scenarios#all")
  void theGeneratedConfigPassesTheChecks(Scenarios.Scenario s) {
    Optional<io.meshfed.xds.Identity> identity =
        s.state().mtlsEnabled() ? Optional.of(Fixtures.FAKE_IDENTITY) : Optional.empty();
    ProxyConfig config = SidecarGenerator.generate(s.state(), s.dataplane(), identity);

    assertThat(
            ProxyResourceChecks.firstProblem(
                ProxyResources.of(config, ProxyTemplates.listenerTags(s.state(), s.dataplane()))))
        .isEmpty();
  }

  @Test
  void withoutATemplateTheConfigIsTheGeneratedOne() {
    ProxyConfig plain = generate(List.of());
    Resource other = patchTimeout("for-api", "{kuma.io/service: api}", "9s");

    assertThat(generate(List.of(other))).isEqualTo(plain);
    assertThat(cluster(plain, "api").getConnectTimeout()).isEqualTo(Durations.fromSeconds(5));
  }

  @Test
  void theMostSpecificSelectorWinsThenTheNewestThenTheName() {
    Resource wildcard = created(patchTimeout("a-any", "{kuma.io/service: '*'}", "1s"), T0);
    Resource exact = created(patchTimeout("b-web", "{kuma.io/service: web}", "2s"), T0);
    Resource exactNewer =
        created(patchTimeout("c-web", "{kuma.io/service: web}", "3s"), T0.plusSeconds(1));
    Resource exactSameTime = created(patchTimeout("a-web", "{kuma.io/service: web}", "4s"), T0);

    assertThat(cluster(generate(List.of(wildcard, exact)), "api").getConnectTimeout())
        .isEqualTo(Durations.fromSeconds(2));
    assertThat(cluster(generate(List.of(exact, exactNewer, wildcard)), "api").getConnectTimeout())
        .isEqualTo(Durations.fromSeconds(3));
    assertThat(cluster(generate(List.of(exact, exactSameTime)), "api").getConnectTimeout())
        .isEqualTo(Durations.fromSeconds(4));
  }

  @Test
  void aStepEnvoyWouldRefuseIsSkippedAndTheRestApplies() {
    ProxyConfig c =
        generate(List.of(ProxyTemplateScenarios.template(ProxyTemplateScenarios.HTTP_TEMPLATE)));

    assertThat(cluster(c, "api").getConnectTimeout()).isEqualTo(Durations.fromSeconds(7));
    assertThat(cluster(c, "api").getPerConnectionBufferLimitBytes().getValue()).isEqualTo(32768);
    // skipped: an EDS cluster without endpoints, an HTTP filter after the router
    assertThat(c.clusters()).extracting(Cluster::getName).doesNotContain("eds-without-endpoints");
    List<HttpFilter> outboundFilters =
        hcm(listener(c, "outbound:127.0.0.1:10001")).getHttpFiltersList();
    assertThat(outboundFilters)
        .extracting(HttpFilter::getName)
        .containsExactly("envoy.filters.http.buffer", "envoy.filters.http.router");
    // Kuma's HCM name matches ours; a Duration in a patch replaces: 0s turns the timeout off
    HttpConnectionManager inbound = hcm(listener(c, "inbound:10.0.0.1:10080"));
    assertThat(inbound.hasStreamIdleTimeout()).isTrue();
    assertThat(inbound.getStreamIdleTimeout()).isEqualTo(Durations.ZERO);
    assertThat(c.clusters()).extracting(Cluster::getName).contains("template-static");
    assertThat(c.listeners()).extracting(Listener::getName).contains("template-listener");
    assertThat(c.routes().get(0).getVirtualHosts(0).getRequestHeadersToAdd(0).getHeader().getKey())
        .isEqualTo("x-template");
  }

  @Test
  void removingAListenerDropsTheRouteConfigurationOnlyItUsed() {
    Resource removeInbound =
        ProxyTemplateScenarios.template(
            """
            type: ProxyTemplate
            mesh: default
            name: no-inbound
            selectors: [{match: {kuma.io/service: web}}]
            conf:
              imports: [default-proxy]
              modifications:
              - listener: {operation: remove, match: {origin: inbound}}
              - cluster: {operation: remove, match: {name: api}}
            """);

    ProxyConfig c = generate(List.of(removeInbound));

    assertThat(c.listeners())
        .extracting(Listener::getName)
        .containsExactly("outbound:127.0.0.1:10001");
    assertThat(c.routes()).isEmpty();
    // removing api would leave the outbound route pointing nowhere: skipped
    assertThat(c.clusters()).extracting(Cluster::getName).contains("api");
    assertThat(c.endpoints()).extracting(e -> e.getClusterName()).contains("api");
  }

  @Test
  void theApiRefusesValuesThatAreNotTheirEnvoyType() {
    String yaml =
        """
        type: ProxyTemplate
        mesh: default
        name: bad
        selectors: [{match: {kuma.io/service: '*'}}]
        conf:
          imports: [default-proxy]
          resources:
          - name: r
            version: v1
            resource: |
              '@type': type.googleapis.com/envoy.config.route.v3.RouteConfiguration
              name: r
          modifications:
          - cluster: {operation: patch, value: 'connectTimeout: soon'}
          - listener: {operation: add, value: 'nme: typo'}
          - httpFilter:
              operation: addFirst
              value: |
                name: x
                typedConfig: {'@type': type.googleapis.com/envoy.extensions.filters.http.nope.v3.Nope}
          - virtualHost: {operation: add, value: 'domains: 7'}
          - networkFilter: {operation: remove, match: {name: x}}
        """;
    List<Violation> violations;
    try {
      ProxyTemplateScenarios.CODEC.decodeOne(yaml);
      violations = List.of();
    } catch (ValidationException e) {
      violations = e.violations();
    }

    assertThat(violations)
        .extracting(Violation::field)
        .containsExactly(
            "conf.resources[0].resource",
            "conf.modifications[0].cluster.value",
            "conf.modifications[1].listener.value",
            "conf.modifications[2].httpFilter.value",
            "conf.modifications[3].virtualHost.value");
    assertThat(violations.get(1).message())
        .startsWith("is not a valid envoy.config.cluster.v3.Cluster: ");
    assertThat(violations.get(0).message())
        .contains("'type.googleapis.com/envoy.config.route.v3.RouteConfiguration'");
  }
}

package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.permission;
import static io.meshfed.xds.sidecar.Fixtures.svc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.Tags;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.sidecar.DataplanePolicies.Attachment;
import io.meshfed.xds.sidecar.DataplanePolicies.Kind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Which policy the inspect view names at each inbound, outbound and service of a sidecar. */
class DataplanePoliciesTest {

  private static MeshState scenario(boolean mtls, List<Resource> permissions) {
    MeshState s = PolicyScenarios.connectionPolicies().state();
    return new MeshState(
        s.zone(),
        Fixtures.mesh(mtls),
        s.dataplanes(),
        s.zoneIngresses(),
        permissions,
        s.trafficRoutes(),
        s.policies());
  }

  private static final List<Resource> PERMISSIONS =
      List.of(
          permission("web-only", List.of(svc("gateway")), List.of(svc("web"))),
          permission("allow-all", List.of(svc(Tags.WILDCARD)), List.of(svc(Tags.WILDCARD))),
          permission("backend-only", List.of(svc("web")), List.of(svc("backend"))));

  /** type -> names, per attachment "kind name (service)". */
  private static Map<String, Map<String, List<String>>> names(List<Attachment> attachments) {
    Map<String, Map<String, List<String>>> out = new LinkedHashMap<>();
    for (Attachment a : attachments) {
      Map<String, List<String>> byType = new TreeMap<>();
      a.matched()
          .forEach((type, list) -> byType.put(type, list.stream().map(Resource::name).toList()));
      out.put(a.kind().wireName() + " " + a.name() + " (" + a.service() + ")", byType);
    }
    return out;
  }

  @Test
  void namesThePoliciesTheGeneratorAppliesAtEachAttachment() {
    MeshState state = scenario(true, PERMISSIONS);
    Resource web = PolicyScenarios.connectionPolicies().dataplane();

    Map<String, Map<String, List<String>>> view = names(DataplanePolicies.of(state, web));

    assertThat(view.keySet())
        .containsExactly(
            "inbound 10.0.0.1:10080:8080 (web)",
            "outbound 127.0.0.1:10001 (backend)",
            "outbound 127.0.0.1:10002 (db)",
            "outbound 127.0.0.1:10003 (api)",
            "service backend (backend)",
            "service db (db)",
            "service api (api)");
    // Every permission whose destination matches web's inbound, by name, as in its RBAC rules.
    assertThat(view.get("inbound 10.0.0.1:10080:8080 (web)"))
        .isEqualTo(Map.of(StandardTypes.TRAFFIC_PERMISSION, List.of("allow-all", "web-only")));
    // The specific web->backend policies beat the catch-alls.
    assertThat(view.get("outbound 127.0.0.1:10001 (backend)"))
        .isEqualTo(
            Map.of(
                StandardTypes.TRAFFIC_ROUTE,
                List.of("backend-versions"),
                StandardTypes.TIMEOUT,
                List.of("web-to-backend")));
    assertThat(view.get("outbound 127.0.0.1:10002 (db)"))
        .isEqualTo(Map.of(StandardTypes.TIMEOUT, List.of("timeout-all-default")));
    assertThat(view.get("service backend (backend)"))
        .isEqualTo(
            Map.of(
                StandardTypes.HEALTH_CHECK, List.of("web-to-backend"),
                StandardTypes.CIRCUIT_BREAKER, List.of("web-to-backend"),
                StandardTypes.RETRY, List.of("web-to-backend")));
    assertThat(view.get("service db (db)"))
        .isEqualTo(
            Map.of(
                StandardTypes.HEALTH_CHECK, List.of("health-check-all"),
                StandardTypes.CIRCUIT_BREAKER, List.of("circuit-breaker-all-default")));
  }

  @Test
  void agreesWithTheGeneratedConfig() {
    MeshState state = scenario(true, PERMISSIONS);
    Resource web = PolicyScenarios.connectionPolicies().dataplane();
    var config = ConnectionPoliciesTest.generate(state);

    Attachment inbound = DataplanePolicies.of(state, web).get(0);
    // The RBAC policies of web's inbound listener are named after exactly these permissions.
    String listener =
        io.meshfed.xds.EnvoyJson.print(
            config.listeners().stream()
                .filter(l -> l.getName().startsWith("inbound:"))
                .findFirst()
                .orElseThrow());
    for (Resource p : inbound.matched().get(StandardTypes.TRAFFIC_PERMISSION)) {
      assertThat(listener).contains("\"" + p.name() + "\"");
    }
    assertThat(listener).doesNotContain("\"backend-only\"");
  }

  @Test
  void withoutMtlsNoPermissionIsEnforcedSoNoneIsListed() {
    MeshState state = scenario(false, PERMISSIONS);
    Resource web = PolicyScenarios.connectionPolicies().dataplane();

    Attachment inbound = DataplanePolicies.of(state, web).get(0);

    assertThat(inbound.kind()).isEqualTo(Kind.INBOUND);
    assertThat(inbound.matched()).isEmpty();
  }

  @Test
  void anHttpInboundNamesItsFaultInjectionAndRateLimitATcpInboundNone() {
    Scenarios.Scenario faults = FaultScenarios.all().findFirst().orElseThrow();

    Map<String, Map<String, List<String>>> names =
        names(DataplanePolicies.of(faults.state(), faults.dataplane()));

    Map<String, List<String>> http = names.get("inbound 10.0.0.2:10080:8080 (backend)");
    assertThat(http.get(StandardTypes.FAULT_INJECTION))
        .containsExactly(FaultScenarios.webToBackendFault().name());
    assertThat(http.get(StandardTypes.RATE_LIMIT))
        .containsExactly(FaultScenarios.everyoneToBackendRateLimit().name());
    Map<String, List<String>> tcp = names.get("inbound 10.0.0.2:19901:9901 (backend-admin)");
    assertThat(tcp).doesNotContainKeys(StandardTypes.FAULT_INJECTION, StandardTypes.RATE_LIMIT);
  }

  @Test
  void theTrafficTraceThatAppliesIsNamedOnTheDataplaneAfterTheTemplate() {
    Resource trace =
        ProxyTemplateScenarios.template(TracingScenarios.trace("web-trace", "web", "zipkin-1"));
    Resource other =
        ProxyTemplateScenarios.template(TracingScenarios.trace("api-trace", "api", "zipkin-1"));
    MeshState state =
        TracingScenarios.state(
            TracingScenarios.MESH_DNS,
            List.of(
                TracingScenarios.trace("web-trace", "web", "zipkin-1"),
                TracingScenarios.trace("api-trace", "api", "zipkin-1")));

    List<Attachment> attachments = DataplanePolicies.of(state, TracingScenarios.web());

    assertThat(attachments.get(0).kind()).isEqualTo(Kind.DATAPLANE);
    assertThat(attachments.get(0).matched())
        .isEqualTo(Map.of(StandardTypes.TRAFFIC_TRACE, List.of(trace)))
        .doesNotContainValue(List.of(other));
  }

  @Test
  void theProxyTemplateThatAppliesIsNamedOnTheDataplaneFirstAndNoneWithout() {
    Resource template =
        ProxyTemplateScenarios.template(
            """
            type: ProxyTemplate
            mesh: default
            name: web-template
            selectors: [{match: {kuma.io/service: web}}]
            conf:
              imports: [default-proxy]
              modifications:
              - cluster: {operation: patch, match: {origin: outbound}, value: 'connectTimeout: 7s'}
            """);
    MeshState without = ProxyTemplateScenarios.httpState(false, List.of());
    MeshState with = ProxyTemplateScenarios.httpState(false, List.of(template));
    Resource web = ProxyTemplateScenarios.httpWeb();

    List<Attachment> plain = DataplanePolicies.of(without, web);
    List<Attachment> templated = DataplanePolicies.of(with, web);

    assertThat(plain).extracting(Attachment::kind).doesNotContain(Kind.DATAPLANE);
    assertThat(templated.get(0).kind()).isEqualTo(Kind.DATAPLANE);
    assertThat(templated.get(0).name()).isEqualTo(web.name());
    assertThat(templated.get(0).service()).isEqualTo("web");
    assertThat(templated.get(0).matched())
        .isEqualTo(Map.of(StandardTypes.PROXY_TEMPLATE, List.of(template)));
    assertThat(templated.subList(1, templated.size())).isEqualTo(plain);
  }

  @Test
  void aDataplaneOfAnotherMeshIsRefused() {
    Resource other =
        new Resource(
            io.meshfed.model.ResourceKey.inMesh(StandardTypes.DATAPLANE, "other", "web-1"),
            io.meshfed.model.Meta.EMPTY,
            PolicyScenarios.connectionPolicies().dataplane().spec());

    assertThatThrownBy(() -> DataplanePolicies.of(scenario(true, List.of()), other))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected: 'default'");
  }
}

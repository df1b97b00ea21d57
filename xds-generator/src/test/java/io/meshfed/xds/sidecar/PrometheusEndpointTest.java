package io.meshfed.xds.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.meshfed.model.Resource;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.ProxyConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PrometheusEndpointTest {

  private static MeshState state(Resource mesh, Resource dp) {
    return new MeshState(Fixtures.ZONE, mesh, List.of(dp), List.of(), List.of(), List.of());
  }

  private static List<String> listeners(MeshState s, Resource dp) {
    ProxyConfig c = SidecarGenerator.generate(s, dp, Optional.empty());
    return c.listeners().stream().map(Listener::getName).toList();
  }

  @Test
  void aMeshWithoutAnEnabledBackendGetsNoEndpoint() {
    Resource dp = MetricsScenarios.web("10.0.0.1", 10080, 10001, 9901, null);
    assertThat(listeners(state(Fixtures.mesh(false), dp), dp))
        .doesNotContain(PrometheusEndpoint.LISTENER);
    assertThat(listeners(state(MetricsScenarios.mesh(false, Map.of()), dp), dp))
        .contains(PrometheusEndpoint.LISTENER);
  }

  @Test
  void noAdminPortNoEndpoint() {
    Resource dp = MetricsScenarios.web("10.0.0.1", 10080, 10001, 0, null);
    assertThat(listeners(state(MetricsScenarios.mesh(false, Map.of()), dp), dp))
        .doesNotContain(PrometheusEndpoint.LISTENER);
  }

  @Test
  void aPortTakenByAnInboundOrOutboundOnTheSameAddressGetsNoEndpoint() {
    Resource mesh = MetricsScenarios.mesh(false, Map.of());
    Resource inbound = MetricsScenarios.web("10.0.0.1", 5670, 10001, 9901, null);
    assertThat(listeners(state(mesh, inbound), inbound))
        .contains("inbound:10.0.0.1:5670")
        .doesNotContain(PrometheusEndpoint.LISTENER);
    // an outbound on 127.0.0.1:5670 does not collide with 10.0.0.1:5670, but does with 127.0.0.1
    Resource outboundElsewhere = MetricsScenarios.web("10.0.0.1", 10080, 5670, 9901, null);
    assertThat(listeners(state(mesh, outboundElsewhere), outboundElsewhere))
        .contains(PrometheusEndpoint.LISTENER);
    Resource outboundHere = MetricsScenarios.web("127.0.0.1", 10080, 5670, 9901, null);
    assertThat(listeners(state(mesh, outboundHere), outboundHere))
        .doesNotContain(PrometheusEndpoint.LISTENER);
  }

  @Test
  void dataplaneFieldsWinOverTheMeshBackend() {
    Resource mesh =
        MetricsScenarios.mesh(
            true, Map.of("port", 1111, "path", "/m", "envoy", Map.of("usedOnly", true)));
    Resource dp =
        MetricsScenarios.web(
            "10.0.0.1",
            10080,
            10001,
            9901,
            Map.of(
                "type",
                "prometheus",
                "conf",
                Map.of("port", 2222, "skipMTLS", true, "envoy", Map.of("filterRegex", "a b&c"))));
    PrometheusEndpoint.Config c =
        PrometheusEndpoint.config(
                state(mesh, dp), dp.spec(io.meshfed.model.spec.DataplaneSpec.class))
            .orElseThrow();
    assertThat(c)
        .isEqualTo(new PrometheusEndpoint.Config(2222, "/m", false, "?filter=a%20b%26c&usedonly"));
  }

  @Test
  void withMeshMtlsTheEndpointIsGuardedUnlessSkipMtlsOrTlsDisabled() {
    Resource dp = MetricsScenarios.web("10.0.0.1", 10080, 10001, 9901, null);
    var spec = dp.spec(io.meshfed.model.spec.DataplaneSpec.class);
    assertThat(
            PrometheusEndpoint.config(state(MetricsScenarios.mesh(true, Map.of()), dp), spec)
                .orElseThrow()
                .meshMtls())
        .isTrue();
    assertThat(
            PrometheusEndpoint.config(
                    state(MetricsScenarios.mesh(true, Map.of("skipMTLS", true)), dp), spec)
                .orElseThrow()
                .meshMtls())
        .isFalse();
    assertThat(
            PrometheusEndpoint.config(
                    state(
                        MetricsScenarios.mesh(true, Map.of("tls", Map.of("mode", "disabled"))), dp),
                    spec)
                .orElseThrow()
                .meshMtls())
        .isFalse();
    assertThat(
            PrometheusEndpoint.config(state(MetricsScenarios.mesh(false, Map.of()), dp), spec)
                .orElseThrow()
                .meshMtls())
        .isFalse();
  }
}

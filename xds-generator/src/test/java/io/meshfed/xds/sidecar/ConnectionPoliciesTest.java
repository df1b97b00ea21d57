package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.FAKE_IDENTITY;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.type.v3.CodecClientType;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.CircuitBreakerSpec;
import io.meshfed.model.spec.HealthCheckSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.ProxyConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What each connection policy sets on the clusters and the {@code tcp_proxy} of the outbounds it
 * applies to (the golden file {@code mtls-connection-policies.json} holds the whole config).
 */
class ConnectionPoliciesTest {

  static ProxyConfig generate(MeshState state) {
    return SidecarGenerator.generate(
        state, PolicyScenarios.connectionPolicies().dataplane(), Optional.of(FAKE_IDENTITY));
  }

  static MeshState withPolicies(Map<String, List<io.meshfed.model.Resource>> policies) {
    MeshState s = PolicyScenarios.connectionPolicies().state();
    return new MeshState(
        s.zone(),
        s.mesh(),
        s.dataplanes(),
        s.zoneIngresses(),
        s.trafficPermissions(),
        s.trafficRoutes(),
        policies);
  }

  @Test
  void timeoutSetsConnectTimeoutOnEveryClusterOfTheServiceAndTheTcpIdleTimeout() throws Exception {
    ProxyConfig c = generate(PolicyScenarios.connectionPolicies().state());

    List<Cluster> backend = clustersOf(c, "backend");
    assertThat(backend).hasSize(2); // v1 and v2 subsets of the split
    assertThat(backend)
        .allSatisfy(cl -> assertThat(cl.getConnectTimeout()).isEqualTo(Durations.fromMillis(2500)));
    assertThat(clustersOf(c, "db"))
        .singleElement()
        .satisfies(cl -> assertThat(cl.getConnectTimeout()).isEqualTo(Durations.fromSeconds(5)));
    assertThat(tcpProxy(c, "outbound:127.0.0.1:10001").getIdleTimeout())
        .isEqualTo(Durations.fromSeconds(30 * 60));
    assertThat(tcpProxy(c, "outbound:127.0.0.1:10002").getIdleTimeout())
        .isEqualTo(Durations.fromSeconds(3600));
  }

  @Test
  void withoutTimeoutTheConnectTimeoutIsFiveSecondsAndIdleIsEnvoysDefault() throws Exception {
    ProxyConfig c = generate(withPolicies(Map.of()));

    assertThat(c.clusters())
        .allSatisfy(cl -> assertThat(cl.getConnectTimeout()).isEqualTo(Durations.fromSeconds(5)));
    assertThat(tcpProxy(c, "outbound:127.0.0.1:10001").hasIdleTimeout()).isFalse();
  }

  @Test
  void circuitBreakerSetsThresholdsAndOutlierDetectionWithOnlyTheGivenDetectorsEnforced() {
    ProxyConfig c = generate(PolicyScenarios.connectionPolicies().state());

    for (Cluster backend : clustersOf(c, "backend")) {
      var t = backend.getCircuitBreakers().getThresholds(0);
      assertThat(t.getPriority()).isEqualTo(RoutingPriority.DEFAULT);
      assertThat(
              List.of(
                  t.getMaxConnections().getValue(),
                  t.getMaxPendingRequests().getValue(),
                  t.getMaxRequests().getValue(),
                  t.getMaxRetries().getValue()))
          .containsExactly(11, 12, 13, 14);
      OutlierDetection od = backend.getOutlierDetection();
      assertThat(od.getInterval()).isEqualTo(Durations.fromSeconds(5));
      assertThat(od.getBaseEjectionTime()).isEqualTo(Durations.fromSeconds(30));
      assertThat(od.getMaxEjectionPercent().getValue()).isEqualTo(20);
      assertThat(od.getConsecutive5Xx().getValue()).isEqualTo(21);
      assertThat(od.getConsecutiveGatewayFailure().getValue()).isEqualTo(22);
      assertThat(od.getConsecutiveLocalOriginFailure().getValue()).isEqualTo(23);
      assertThat(od.getSplitExternalLocalOriginErrors()).isTrue();
      assertThat(od.getSuccessRateRequestVolume().getValue()).isEqualTo(10);
      assertThat(od.getSuccessRateMinimumHosts().getValue()).isEqualTo(5);
      assertThat(od.getSuccessRateStdevFactor().getValue()).isEqualTo(1900);
      assertThat(od.getFailurePercentageRequestVolume().getValue()).isEqualTo(31);
      assertThat(od.getFailurePercentageMinimumHosts().getValue()).isEqualTo(32);
      assertThat(od.getFailurePercentageThreshold().getValue()).isEqualTo(85);
      assertThat(
              List.of(
                  od.getEnforcingConsecutive5Xx().getValue(),
                  od.getEnforcingConsecutiveGatewayFailure().getValue(),
                  od.getEnforcingConsecutiveLocalOriginFailure().getValue(),
                  od.getEnforcingSuccessRate().getValue(),
                  od.getEnforcingLocalOriginSuccessRate().getValue(),
                  od.getEnforcingFailurePercentage().getValue(),
                  od.getEnforcingFailurePercentageLocalOrigin().getValue()))
          .containsOnly(100);
    }
    Cluster db = clustersOf(c, "db").get(0);
    assertThat(db.getCircuitBreakers().getThresholds(0).getMaxRetries().getValue()).isEqualTo(3);
    OutlierDetection od = db.getOutlierDetection();
    assertThat(od.hasConsecutive5Xx()).isFalse(); // Envoy's default count
    assertThat(od.getEnforcingConsecutive5Xx().getValue()).isEqualTo(100);
    assertThat(
            List.of(
                od.getEnforcingConsecutiveGatewayFailure().getValue(),
                od.getEnforcingConsecutiveLocalOriginFailure().getValue(),
                od.getEnforcingSuccessRate().getValue(),
                od.getEnforcingLocalOriginSuccessRate().getValue(),
                od.getEnforcingFailurePercentage().getValue(),
                od.getEnforcingFailurePercentageLocalOrigin().getValue()))
        .containsOnly(0);
    assertThat(od.getSplitExternalLocalOriginErrors()).isFalse();
  }

  @Test
  void aHugeStandardDeviationFactorIsCappedAtEnvoysUint32() {
    Resource cb =
        Fixtures.policy(
            StandardTypes.CIRCUIT_BREAKER,
            "huge-factor",
            PolicyScenarios.T0,
            new CircuitBreakerSpec(
                Fixtures.selectors(List.of(Fixtures.svc("web"))),
                Fixtures.selectors(List.of(Fixtures.svc("backend"))),
                new CircuitBreakerSpec.Conf(
                    null,
                    null,
                    null,
                    null,
                    new CircuitBreakerSpec.Detectors(
                        null,
                        null,
                        null,
                        new CircuitBreakerSpec.StandardDeviation(null, null, 1e12),
                        null),
                    null)));
    ProxyConfig c = generate(withPolicies(Map.of(StandardTypes.CIRCUIT_BREAKER, List.of(cb))));

    int factor =
        clustersOf(c, "backend")
            .get(0)
            .getOutlierDetection()
            .getSuccessRateStdevFactor()
            .getValue();
    assertThat(Integer.toUnsignedLong(factor)).isEqualTo(0xFFFFFFFFL);
  }

  @Test
  void anExplicitSplitExternalAndLocalErrorsIsKept() {
    Resource cb =
        Fixtures.policy(
            StandardTypes.CIRCUIT_BREAKER,
            "kuma-docs-example",
            PolicyScenarios.T0,
            new CircuitBreakerSpec(
                Fixtures.selectors(List.of(Fixtures.svc("web"))),
                Fixtures.selectors(List.of(Fixtures.svc("backend"))),
                new CircuitBreakerSpec.Conf(
                    null,
                    null,
                    null,
                    false,
                    new CircuitBreakerSpec.Detectors(
                        null, null, new CircuitBreakerSpec.Errors(7), null, null),
                    null)));
    ProxyConfig c = generate(withPolicies(Map.of(StandardTypes.CIRCUIT_BREAKER, List.of(cb))));

    Cluster backend = clustersOf(c, "backend").get(0);
    assertThat(backend.hasCircuitBreakers()).isFalse();
    assertThat(backend.getOutlierDetection().getSplitExternalLocalOriginErrors()).isFalse();
    assertThat(backend.getOutlierDetection().getConsecutiveLocalOriginFailure().getValue())
        .isEqualTo(7);
    assertThat(clustersOf(c, "db").get(0).hasOutlierDetection()).isFalse();
  }

  @Test
  void healthCheckSetsOneCheckAndPanicSettingsIncludingRemoteZoneClusters() {
    ProxyConfig c = generate(PolicyScenarios.connectionPolicies().state());

    for (Cluster backend : clustersOf(c, "backend")) {
      HealthCheck tcp = backend.getHealthChecksList().stream().collect(onlyOne());
      assertThat(tcp.getInterval()).isEqualTo(Durations.fromSeconds(1));
      assertThat(tcp.getTimeout()).isEqualTo(Durations.fromMillis(500));
      assertThat(tcp.getUnhealthyThreshold().getValue()).isEqualTo(2);
      assertThat(tcp.getHealthyThreshold().getValue()).isEqualTo(3);
      assertThat(tcp.getInitialJitter()).isEqualTo(Durations.fromMillis(100));
      assertThat(tcp.getIntervalJitter()).isEqualTo(Durations.fromMillis(200));
      assertThat(tcp.getIntervalJitterPercent()).isEqualTo(10);
      assertThat(tcp.getNoTrafficInterval()).isEqualTo(Durations.fromSeconds(30));
      assertThat(tcp.getReuseConnection().getValue()).isFalse();
      assertThat(tcp.getAlwaysLogHealthCheckFailures()).isTrue();
      assertThat(tcp.getEventLogger(0).getName()).isEqualTo(HealthChecks.FILE_EVENT_SINK);
      // "ping" and "pong", base64 in the policy, hex in Envoy
      assertThat(tcp.getTcpHealthCheck().getSend().getText()).isEqualTo("70696e67");
      assertThat(tcp.getTcpHealthCheck().getReceive(0).getText()).isEqualTo("706f6e67");
      assertThat(backend.getCommonLbConfig().getHealthyPanicThreshold().getValue()).isEqualTo(60);
      assertThat(backend.getCommonLbConfig().getZoneAwareLbConfig().getFailTrafficOnPanic())
          .isTrue();
    }
    // The v1 cluster's endpoints include zone-2's ingress: the checks go there too.
    assertThat(c.endpoints().stream().flatMap(e -> e.getEndpointsList().stream()))
        .anySatisfy(l -> assertThat(l.getLocality().getZone()).isEqualTo("zone-2"));

    HealthCheck api = clustersOf(c, "api").get(0).getHealthChecksList().stream().collect(onlyOne());
    HealthCheck.HttpHealthCheck http = api.getHttpHealthCheck();
    assertThat(http.getPath()).isEqualTo("/health");
    assertThat(http.getExpectedStatusesList())
        .extracting(r -> r.getStart() + "-" + r.getEnd())
        .containsExactly("200-201", "204-205");
    assertThat(http.getRequestHeadersToAdd(0).getAppendAction())
        .isEqualTo(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD);
    assertThat(http.getRequestHeadersToAdd(1).getAppendAction())
        .isEqualTo(HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD);

    HealthCheck db = clustersOf(c, "db").get(0).getHealthChecksList().stream().collect(onlyOne());
    assertThat(db.hasTcpHealthCheck()).isTrue();
    assertThat(db.getTcpHealthCheck().hasSend()).isFalse();
    assertThat(clustersOf(c, "db").get(0).hasCommonLbConfig()).isFalse();
  }

  @Test
  void anHttpCheckOfAGrpcServiceSpeaksHttp2() {
    MeshState s = PolicyScenarios.connectionPolicies().state();
    List<io.meshfed.model.Resource> dataplanes =
        s.dataplanes().stream()
            .map(
                d ->
                    d.name().equals("api-1")
                        ? Fixtures.dataplane(
                            "api-1",
                            "10.0.0.6",
                            List.of(
                                Fixtures.inbound(
                                    18080, 8080, Fixtures.svc("api", Tags.PROTOCOL, "grpc"))),
                            List.of())
                        : d)
            .toList();
    MeshState grpc =
        new MeshState(
            s.zone(),
            s.mesh(),
            dataplanes,
            s.zoneIngresses(),
            s.trafficPermissions(),
            s.trafficRoutes(),
            s.policies());

    HealthCheck api =
        clustersOf(generate(grpc), "api").get(0).getHealthChecksList().stream().collect(onlyOne());
    assertThat(api.getHttpHealthCheck().getPath()).isEqualTo("/health");
    assertThat(api.getHttpHealthCheck().getCodecClientType()).isEqualTo(CodecClientType.HTTP2);
    HealthCheck http =
        clustersOf(generate(s), "api").get(0).getHealthChecksList().stream().collect(onlyOne());
    assertThat(http.getHttpHealthCheck().getCodecClientType()).isEqualTo(CodecClientType.HTTP1);
  }

  @Test
  void anHttpCheckAloneAlsoChecksATcpService() {
    Resource hc =
        Fixtures.policy(
            StandardTypes.HEALTH_CHECK,
            "http-only",
            PolicyScenarios.T0,
            new HealthCheckSpec(
                Fixtures.selectors(List.of(Fixtures.svc("web"))),
                Fixtures.selectors(List.of(Fixtures.svc("backend"))),
                new HealthCheckSpec.Conf(
                    "1s",
                    "1s",
                    1,
                    1,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    new HealthCheckSpec.Http("/ready", List.of(), List.of()))));
    ProxyConfig c = generate(withPolicies(Map.of(StandardTypes.HEALTH_CHECK, List.of(hc))));

    assertThat(clustersOf(c, "backend"))
        .allSatisfy(
            cl ->
                assertThat(cl.getHealthChecks(0).getHttpHealthCheck().getPath())
                    .isEqualTo("/ready"));
  }

  @Test
  void retrySetsTcpMaxConnectAttemptsOnTheOutboundsItAppliesTo() throws Exception {
    ProxyConfig c = generate(PolicyScenarios.connectionPolicies().state());

    assertThat(tcpProxy(c, "outbound:127.0.0.1:10001").getMaxConnectAttempts().getValue())
        .isEqualTo(5);
    assertThat(tcpProxy(c, "outbound:127.0.0.1:10002").hasMaxConnectAttempts()).isFalse();
  }

  // --- helpers ---

  static <T> java.util.stream.Collector<T, ?, T> onlyOne() {
    return java.util.stream.Collectors.collectingAndThen(
        java.util.stream.Collectors.toList(),
        l -> {
          assertThat(l).hasSize(1);
          return l.get(0);
        });
  }

  static List<Cluster> clustersOf(ProxyConfig c, String service) {
    return c.clusters().stream()
        .filter(cl -> cl.getName().equals(service) || cl.getName().startsWith(service + "_"))
        .toList();
  }

  static TcpProxy tcpProxy(ProxyConfig c, String listener) throws Exception {
    Listener l =
        c.listeners().stream().filter(x -> x.getName().equals(listener)).findFirst().orElseThrow();
    return l.getFilterChains(0).getFiltersList().stream()
        .filter(f -> f.getName().equals(Xds.TCP_PROXY))
        .findFirst()
        .orElseThrow()
        .getTypedConfig()
        .unpack(TcpProxy.class);
  }
}

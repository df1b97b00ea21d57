package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.FAKE_IDENTITY;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
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

  // --- helpers ---

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

package io.meshfed.xds.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.meshfed.xds.ProxyConfig;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Priorities of the backend cluster's localities, and zones global marked offline. */
class LocalityFailoverTest {

  /** zone -> "priority/host:port=weight, ..." of the {@code backend} cluster. */
  private static Map<String, String> backendLocalities(Scenarios.Scenario s) {
    ProxyConfig c = SidecarGeneratorTest.generate(s);
    ClusterLoadAssignment cla =
        c.endpoints().stream()
            .filter(e -> e.getClusterName().equals("backend"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no endpoints for cluster backend: " + c));
    Map<String, String> out = new TreeMap<>();
    for (LocalityLbEndpoints l : cla.getEndpointsList()) {
      out.put(
          l.getLocality().getZone(),
          l.getPriority()
              + "/"
              + l.getLbEndpointsList().stream()
                  .map(
                      e ->
                          e.getEndpoint().getAddress().getSocketAddress().getAddress()
                              + ":"
                              + e.getEndpoint().getAddress().getSocketAddress().getPortValue()
                              + "="
                              + e.getLoadBalancingWeight().getValue())
                  .collect(Collectors.joining(",")));
    }
    return out;
  }

  @Test
  void localityAwareKeepsTheLocalZoneAtPriorityZeroAndEveryOtherZoneAtOne() {
    assertThat(backendLocalities(FailoverScenarios.localityAware()))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "zone-1", "0/10.0.0.2:10080=1,10.0.0.3:10080=1",
                "zone-2", "1/192.168.2.10:10001=2",
                "zone-3", "1/192.168.3.10:10001=1"));
  }

  @Test
  void withoutLocalityAwarenessEveryZoneSharesPriorityZero() {
    assertThat(backendLocalities(FailoverScenarios.notLocalityAware()))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "zone-1", "0/10.0.0.2:10080=1,10.0.0.3:10080=1",
                "zone-2", "0/192.168.2.10:10001=2",
                "zone-3", "0/192.168.3.10:10001=1"));
  }

  @Test
  void withNoLocalEndpointTheRemoteZonesTakePriorityZeroSoPrioritiesStayContiguous() {
    assertThat(backendLocalities(FailoverScenarios.localityAwareNoLocalEndpoint()))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "zone-2", "0/192.168.2.10:10001=2",
                "zone-3", "0/192.168.3.10:10001=1"));
  }

  @Test
  void aCheckedClusterDropsAnEndpointAsSoonAsEdsDoesEvenWhileItPassesItsChecks() {
    ProxyConfig c = SidecarGeneratorTest.generate(FailoverScenarios.offlineZone());
    assertThat(c.clusters())
        .filteredOn(cluster -> cluster.getName().equals("backend"))
        .singleElement()
        .satisfies(
            cluster -> {
              assertThat(cluster.getHealthChecksCount()).isEqualTo(1);
              assertThat(cluster.getIgnoreHealthOnHostRemoval()).isTrue();
            });
  }

  @Test
  void anIngressOfAZoneMarkedOfflineGetsNoTrafficButStaysInTheState() {
    Scenarios.Scenario s = FailoverScenarios.offlineZone();
    assertThat(backendLocalities(s)).containsOnlyKeys("zone-1", "zone-2");
    assertThat(s.state().zoneIngresses()).extracting(r -> r.name()).contains("zone-3-ingress");
  }
}

package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.available;
import static io.meshfed.xds.sidecar.Fixtures.ingress;
import static io.meshfed.xds.sidecar.Fixtures.mesh;
import static io.meshfed.xds.sidecar.Fixtures.svc;

import io.meshfed.model.Labels;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.xds.MeshState;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Zone failover cases: web in zone-1 sends to backend, which runs in zone-1 (two instances), behind
 * zone-2's ingress (two) and behind zone-3's (one), with the catch-all health check.
 */
final class FailoverScenarios {
  private FailoverScenarios() {}

  static Stream<Scenarios.Scenario> all() {
    return Stream.of(
        localityAware(), localityAwareNoLocalEndpoint(), notLocalityAware(), offlineZone());
  }

  /** {@code routing.localityAwareLoadBalancing: true}: zone-1 at priority 0, zones 2, 3 at 1. */
  static Scenarios.Scenario localityAware() {
    return scenario("mtls-locality-aware", true, true, false);
  }

  /** Locality-aware with no ready local backend: the remote zones move up to priority 0. */
  static Scenarios.Scenario localityAwareNoLocalEndpoint() {
    return scenario("mtls-locality-aware-no-local", true, false, false);
  }

  /** The same mesh without locality awareness: every zone at priority 0. */
  static Scenarios.Scenario notLocalityAware() {
    return scenario("mtls-not-locality-aware", false, true, false);
  }

  /** Global marked zone-3 offline: its ingress is kept but gets no endpoint. */
  static Scenarios.Scenario offlineZone() {
    return scenario("mtls-zone-3-offline", true, true, true);
  }

  static Resource localityAwareMesh(boolean on) {
    Resource mesh = mesh(true);
    MeshSpec m = mesh.spec(MeshSpec.class);
    return mesh.withSpec(
        new MeshSpec(
            m.mtls(),
            null,
            null,
            null,
            null,
            new MeshSpec.Routing(on, null, null),
            null,
            null,
            null));
  }

  private static Scenarios.Scenario scenario(
      String name, boolean localityAware, boolean localBackends, boolean zone3Offline) {
    Resource web = Scenarios.web(svc("web"));
    List<Resource> dataplanes =
        localBackends
            ? List.of(
                web,
                Scenarios.backend("backend-1", "10.0.0.2", "v1"),
                Scenarios.backend("backend-2", "10.0.0.3", "v1"))
            : List.of(web);
    Resource zone3 =
        ingress(
            "zone-3-ingress",
            "zone-3",
            "192.168.3.10",
            10001,
            List.of(available(svc("backend", "version", "v1", Tags.ZONE, "zone-3"), 1)));
    if (zone3Offline) {
      zone3 = zone3.withMeta(zone3.meta().withLabel(Labels.ZONE_OFFLINE, "true"));
    }
    MeshState state =
        new MeshState(
            Fixtures.ZONE,
            localityAwareMesh(localityAware),
            dataplanes,
            List.of(
                ingress(
                    "zone-2-ingress",
                    "zone-2",
                    "192.168.2.10",
                    10001,
                    List.of(available(svc("backend", "version", "v1", Tags.ZONE, "zone-2"), 2))),
                zone3),
            List.of(),
            List.of(),
            Map.of(StandardTypes.HEALTH_CHECK, List.of(PolicyScenarios.catchAllHealthCheck())));
    return new Scenarios.Scenario(name, state, web);
  }
}

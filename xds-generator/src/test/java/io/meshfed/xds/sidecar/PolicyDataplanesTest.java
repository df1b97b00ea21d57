package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.permission;
import static io.meshfed.xds.sidecar.Fixtures.svc;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.Tags;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.sidecar.PolicyDataplanes.Affected;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which sidecars, and where, a policy applies to (kumactl inspect POLICY NAME). */
class PolicyDataplanesTest {

  private static MeshState state() {
    MeshState s = PolicyScenarios.connectionPolicies().state();
    return new MeshState(
        s.zone(),
        s.mesh(),
        s.dataplanes(),
        s.zoneIngresses(),
        List.of(
            permission("allow-all", List.of(svc(Tags.WILDCARD)), List.of(svc(Tags.WILDCARD))),
            permission("to-db", List.of(svc("web")), List.of(svc("db"))),
            permission("to-nobody", List.of(svc("web")), List.of(svc("nobody")))),
        s.trafficRoutes(),
        s.policies());
  }

  /** dataplane name -> "kind name (service)" of each attachment. */
  private static Map<String, List<String>> names(List<Affected> affected) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (Affected a : affected) {
      out.put(
          a.dataplane().name(),
          a.attachments().stream()
              .map(t -> t.kind().wireName() + " " + t.name() + " (" + t.service() + ")")
              .toList());
    }
    return out;
  }

  @Test
  void aCatchAllPermissionAppliesToEveryInbound() {
    Map<String, List<String>> affected =
        names(PolicyDataplanes.of(state(), StandardTypes.TRAFFIC_PERMISSION, "allow-all"));

    assertThat(affected.keySet())
        .containsExactly("web-1", "backend-1", "backend-2", "db-1", "api-1");
    assertThat(affected.get("web-1")).containsExactly("inbound 10.0.0.1:10080:8080 (web)");
    assertThat(affected.get("db-1")).containsExactly("inbound 10.0.0.5:15432:5432 (db)");
  }

  @Test
  void aSpecificPermissionAppliesToItsDestinationOnly() {
    assertThat(names(PolicyDataplanes.of(state(), StandardTypes.TRAFFIC_PERMISSION, "to-db")))
        .isEqualTo(Map.of("db-1", List.of("inbound 10.0.0.5:15432:5432 (db)")));
    assertThat(PolicyDataplanes.of(state(), StandardTypes.TRAFFIC_PERMISSION, "to-nobody"))
        .isEmpty();
  }

  @Test
  void outboundAndServicePoliciesNameTheSourceSidecarsAttachments() {
    assertThat(names(PolicyDataplanes.of(state(), StandardTypes.TIMEOUT, "web-to-backend")))
        .isEqualTo(Map.of("web-1", List.of("outbound 127.0.0.1:10001 (backend)")));
    // its destinations are backend and api
    assertThat(names(PolicyDataplanes.of(state(), StandardTypes.HEALTH_CHECK, "web-to-backend")))
        .isEqualTo(Map.of("web-1", List.of("service backend (backend)", "service api (api)")));
    assertThat(names(PolicyDataplanes.of(state(), StandardTypes.TRAFFIC_ROUTE, "backend-versions")))
        .isEqualTo(Map.of("web-1", List.of("outbound 127.0.0.1:10001 (backend)")));
  }

  @Test
  void anUnknownPolicyOrAnotherTypesNameAppliesNowhere() {
    assertThat(PolicyDataplanes.of(state(), StandardTypes.TIMEOUT, "nope")).isEmpty();
    // "allow-all" is a TrafficPermission, not a Timeout
    assertThat(PolicyDataplanes.of(state(), StandardTypes.TIMEOUT, "allow-all")).isEmpty();
  }

  @Test
  void aDataplaneTheGeneratorRefusesIsLeftOut() {
    MeshState s = state();
    Resource broken =
        new Resource(
            io.meshfed.model.ResourceKey.inMesh(StandardTypes.DATAPLANE, "other", "web-9"),
            io.meshfed.model.Meta.EMPTY,
            PolicyScenarios.connectionPolicies().dataplane().spec());
    List<Resource> dps = new java.util.ArrayList<>(s.dataplanes());
    dps.add(broken);
    MeshState withBroken =
        new MeshState(
            s.zone(),
            s.mesh(),
            dps,
            s.zoneIngresses(),
            s.trafficPermissions(),
            s.trafficRoutes(),
            s.policies());

    assertThat(
            names(PolicyDataplanes.of(withBroken, StandardTypes.TRAFFIC_PERMISSION, "allow-all")))
        .doesNotContainKey("web-9")
        .containsKey("web-1");
  }
}

package io.meshfed.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.codec.ResourceCodec;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StandardTypesTest {
  private final TypeRegistry registry = StandardTypes.registry();

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "Mesh, meshes, GLOBAL, GLOBAL_TO_ZONES, false",
    "Zone, zones, GLOBAL, NONE, false",
    "ZoneInsight, zone-insights, GLOBAL, NONE, true",
    "ZoneSyncState, zone-sync-states, GLOBAL, NONE, true",
    "ZoneIngress, zone-ingresses, GLOBAL, ZONE_TO_GLOBAL_TO_OTHER_ZONES, false",
    "ZoneIngressInsight, zone-ingress-insights, GLOBAL, ZONE_TO_GLOBAL, true",
    "GlobalSecret, global-secrets, GLOBAL, GLOBAL_TO_ZONES, false",
    "Dataplane, dataplanes, MESH, ZONE_TO_GLOBAL, false",
    "DataplaneInsight, dataplane-insights, MESH, ZONE_TO_GLOBAL, true",
    "Secret, secrets, MESH, GLOBAL_TO_ZONES, false",
    "TrafficPermission, traffic-permissions, MESH, GLOBAL_TO_ZONES, false",
    "TrafficRoute, traffic-routes, MESH, GLOBAL_TO_ZONES, false",
    "HealthCheck, health-checks, MESH, GLOBAL_TO_ZONES, false",
    "CircuitBreaker, circuit-breakers, MESH, GLOBAL_TO_ZONES, false",
    "TrafficLog, traffic-logs, MESH, GLOBAL_TO_ZONES, false",
    "TrafficTrace, traffic-traces, MESH, GLOBAL_TO_ZONES, false",
    "ProxyTemplate, proxytemplates, MESH, GLOBAL_TO_ZONES, false",
    "Timeout, timeouts, MESH, GLOBAL_TO_ZONES, false",
    "Retry, retries, MESH, GLOBAL_TO_ZONES, false",
    "FaultInjection, fault-injections, MESH, GLOBAL_TO_ZONES, false",
    "RateLimit, rate-limits, MESH, GLOBAL_TO_ZONES, false"
  })
  void registersKumaNamesPathsScopesAndDirections(
      String name, String plural, Scope scope, SyncDirection sync, boolean systemManaged) {
    ResourceType type = registry.require(name);

    assertThat(type.plural()).isEqualTo(plural);
    assertThat(registry.byPlural(plural)).contains(type);
    assertThat(type.scope()).isEqualTo(scope);
    assertThat(type.sync()).isEqualTo(sync);
    assertThat(type.systemManaged()).isEqualTo(systemManaged);
    assertThat(type.layout()).isEqualTo(SpecLayout.INLINE);
  }

  @Test
  void everyTypeHasAConstantAndAnEmptySpecEncodes() throws Exception {
    List<String> constants = new java.util.ArrayList<>();
    for (var f : StandardTypes.class.getFields()) {
      constants.add((String) f.get(null));
    }
    assertThat(registry.names()).containsExactlyInAnyOrderElementsOf(constants).hasSize(21);
    ResourceCodec codec = new ResourceCodec(registry);
    for (ResourceType type : registry.all()) {
      Spec empty = codec.jsonMapper().readValue("{}", type.specClass());
      Resource r =
          new Resource(
              type.isMeshScoped()
                  ? ResourceKey.inMesh(type.name(), "default", "x")
                  : ResourceKey.global(type.name(), "x"),
              Meta.EMPTY,
              empty);
      assertThat(codec.fromStored(codec.toJsonBytes(r), 1)).isEqualTo(r.withVersion(1));
    }
  }

  @Test
  void readOnlyRulesFollowTheRegistry() {
    assertThat(registry.require(StandardTypes.DATAPLANE).readOnlyReason(ControlPlaneMode.GLOBAL))
        .isPresent();
    assertThat(registry.require(StandardTypes.DATAPLANE).readOnlyReason(ControlPlaneMode.ZONE))
        .isEmpty();
    assertThat(registry.require(StandardTypes.TRAFFIC_ROUTE).readOnlyReason(ControlPlaneMode.ZONE))
        .isPresent();
    assertThat(registry.require(StandardTypes.ZONE_INSIGHT).readOnlyReason(ControlPlaneMode.GLOBAL))
        .isPresent();
  }
}

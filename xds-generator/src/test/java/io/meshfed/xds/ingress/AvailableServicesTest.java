package io.meshfed.xds.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.model.Resource;
import io.meshfed.model.spec.ZoneIngressSpec.AvailableService;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AvailableServicesTest {

  private static final String DATAPLANES =
      """
      type: Dataplane
      mesh: default
      name: backend-1
      networking:
        address: 10.0.0.1
        inbound:
        - port: 8080
          tags: {kuma.io/service: backend, version: v1, kuma.io/zone: zone-1}
      ---
      type: Dataplane
      mesh: default
      name: backend-2
      networking:
        address: 10.0.0.2
        inbound:
        - port: 8080
          tags: {kuma.io/service: backend, version: v1, kuma.io/zone: zone-1}
      ---
      type: Dataplane
      mesh: default
      name: backend-3
      networking:
        address: 10.0.0.3
        inbound:
        - port: 8080
          tags: {kuma.io/service: backend, version: v2, kuma.io/zone: zone-1}
      ---
      type: Dataplane
      mesh: default
      name: backend-sick
      networking:
        address: 10.0.0.4
        inbound:
        - port: 8080
          health: {ready: false}
          tags: {kuma.io/service: backend, version: v1, kuma.io/zone: zone-1}
      ---
      type: Dataplane
      mesh: default
      name: web-1
      networking:
        address: 10.0.0.5
        inbound:
        - port: 8080
          tags: {kuma.io/service: web, kuma.io/zone: zone-1}
        - port: 9090
          tags: {kuma.io/service: admin, kuma.io/zone: zone-1}
      ---
      type: Dataplane
      mesh: payments
      name: backend-1
      networking:
        address: 10.0.1.1
        inbound:
        - port: 8080
          tags: {kuma.io/service: backend, version: v1, kuma.io/zone: zone-1}
      ---
      type: Dataplane
      mesh: billing
      name: ledger-1
      networking:
        address: 10.0.2.1
        inbound:
        - port: 7000
          state: NotReady
          tags: {kuma.io/service: ledger, kuma.io/zone: zone-1}
      """;

  @Test
  void groupsReadyInboundsByMeshAndTagSetAndCountsThem() {
    List<AvailableService> services = AvailableServices.compute(Fixtures.yaml(DATAPLANES));

    assertThat(services)
        .containsExactly(
            service("default", 1, "admin", Map.of()),
            service("default", 2, "backend", Map.of("version", "v1")),
            service("default", 1, "backend", Map.of("version", "v2")),
            service("default", 1, "web", Map.of()),
            service("payments", 1, "backend", Map.of("version", "v1")));
  }

  @Test
  void notReadyInboundsAreLeftOutAndAMeshWithNoneHasNoEntry() {
    List<AvailableService> services = AvailableServices.compute(Fixtures.yaml(DATAPLANES));

    // backend-sick (health.ready: false) does not count; ledger-1 (state: NotReady) is absent.
    assertThat(services)
        .filteredOn(s -> s.mesh().equals("default") && "v1".equals(s.tags().get("version")))
        .extracting(AvailableService::instances)
        .containsExactly(2);
    assertThat(services).noneMatch(s -> s.mesh().equals("billing"));
  }

  @Test
  void sameServiceInTwoMeshesGivesTwoEntries() {
    List<AvailableService> services = AvailableServices.compute(Fixtures.yaml(DATAPLANES));

    assertThat(services)
        .filteredOn(s -> s.tags().equals(tags("backend", Map.of("version", "v1"))))
        .extracting(AvailableService::mesh)
        .containsExactly("default", "payments");
  }

  @Test
  void resultIsSortedWhateverTheInputOrderAndNeverExternal() {
    List<Resource> dataplanes = new ArrayList<>(Fixtures.yaml(DATAPLANES));
    List<AvailableService> expected = AvailableServices.compute(dataplanes);
    Collections.reverse(dataplanes);

    assertThat(AvailableServices.compute(dataplanes)).isEqualTo(expected);
    assertThat(expected).extracting(AvailableService::externalService).containsOnly(false);
    assertThat(AvailableServices.compute(List.of())).isEmpty();
  }

  @Test
  void tagSetsOfOneServiceSortByTheirSortedString() {
    List<AvailableService> services =
        AvailableServices.compute(
            Fixtures.yaml(
                """
                type: Dataplane
                mesh: m
                name: a
                networking:
                  address: 10.0.0.1
                  inbound:
                  - port: 1
                    tags: {kuma.io/service: s, version: v2}
                  - port: 2
                    tags: {kuma.io/service: s, region: eu, version: v1}
                  - port: 3
                    tags: {kuma.io/service: s}
                  - port: 4
                    tags: {kuma.io/service: s, version: v1}
                """));

    assertThat(services)
        .extracting(s -> AvailableServices.tagString(s.tags()))
        .containsExactly(
            "kuma.io/service=s",
            "kuma.io/service=s,region=eu,version=v1",
            "kuma.io/service=s,version=v1",
            "kuma.io/service=s,version=v2");
  }

  @Test
  void rejectsAResourceThatIsNotADataplane() {
    Resource mesh = Fixtures.one("type: Mesh\nname: default\n");

    assertThatThrownBy(() -> AvailableServices.compute(List.of(mesh)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Mesh 'default': spec is MeshSpec (expected: DataplaneSpec)");
  }

  @Test
  void sameServicesIgnoresOrderAndTreatsMissingExternalServiceAsFalse() {
    AvailableService a = service("default", 2, "backend", Map.of());
    AvailableService b = service("default", 1, "web", Map.of());
    AvailableService bStored = new AvailableService(b.tags(), 1, "default", null);

    assertThat(AvailableServices.sameServices(List.of(a, b), List.of(bStored, a))).isTrue();
    assertThat(AvailableServices.sameServices(List.of(), null)).isTrue();
    assertThat(AvailableServices.sameServices(List.of(a, b), List.of(a))).isFalse();
    assertThat(
            AvailableServices.sameServices(
                List.of(a), List.of(service("default", 3, "backend", Map.of()))))
        .isFalse();
    assertThat(
            AvailableServices.sameServices(
                List.of(a), List.of(service("other", 2, "backend", Map.of()))))
        .isFalse();
  }

  private static AvailableService service(
      String mesh, int instances, String service, Map<String, String> otherTags) {
    return new AvailableService(tags(service, otherTags), instances, mesh, false);
  }

  private static Map<String, String> tags(String service, Map<String, String> otherTags) {
    Map<String, String> tags = new java.util.TreeMap<>(otherTags);
    tags.put("kuma.io/service", service);
    tags.put("kuma.io/zone", "zone-1");
    return tags;
  }
}

package io.meshfed.zone.xds;

import static io.meshfed.zone.xds.XdsUnitFixtures.yaml;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.kds.InMemoryKdsSource;
import io.meshfed.model.Resource;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which connected proxies a change of the zone's view rebuilds. */
class RebuildIndexTest {
  private static final ProxyId WEB = sidecar("default", "web-1");
  private static final ProxyId BACKEND = sidecar("default", "backend-1");
  private static final ProxyId OTHER = sidecar("default", "other-1");
  private static final ProxyId CANARY = sidecar("default", "canary-1");
  private static final ProxyId STAGING_WEB = sidecar("staging", "web-1");
  private static final ProxyId INGRESS = new ProxyId(ProxyId.Kind.INGRESS, null, "ingress-1");
  private static final List<ProxyId> ALL =
      List.of(WEB, BACKEND, OTHER, CANARY, STAGING_WEB, INGRESS);

  private final InMemoryKdsSource store = new InMemoryKdsSource(ZoneViewReader.WATCHED, true);
  private final ZoneViewReader reader = new ZoneViewReader("zone-1", store);
  private ZoneView before;

  @BeforeEach
  void zone() {
    store.subscribe(reader::changed);
    store.put(
        yaml("type: Mesh\nname: default\n"),
        yaml("type: Mesh\nname: staging\n"),
        dataplane("default", "web-1", "web", "backend"),
        dataplane("default", "backend-1", "backend"),
        dataplane("default", "other-1", "other"),
        dataplane("default", "canary-1", "canary"),
        dataplane("staging", "web-1", "web", "backend"),
        ingress("zone-2", "backend", "127.0.0.2"));
    before = reader.read();
  }

  @Test
  void nothingBuiltYetBuildsEveryProxy() {
    assertThat(RebuildIndex.affected(null, before, ALL)).containsExactlyElementsOf(ALL);
  }

  @Test
  void anUnchangedViewRebuildsNothing() {
    store.put(dataplane("default", "web-1", "web", "backend")); // written again, same content
    assertThat(RebuildIndex.affected(before, reader.read(), ALL)).isEmpty();
  }

  @Test
  void aRouteForOneServiceRebuildsTheProxiesThatReachItOrAreItAndTheIngresses() {
    store.put(route("default", "to-backend", "backend", "backend"));
    assertThat(RebuildIndex.affected(before, reader.read(), ALL))
        .containsExactly(WEB, BACKEND, INGRESS);
  }

  @Test
  void aPolicyForAServiceNobodyReachesRebuildsNoSidecar() {
    store.put(
        yaml(
            """
            type: TrafficPermission
            mesh: default
            name: nobody
            sources: [{match: {kuma.io/service: '*'}}]
            destinations: [{match: {kuma.io/service: nobody}}]
            """));
    assertThat(RebuildIndex.affected(before, reader.read(), ALL)).containsExactly(INGRESS);
  }

  @Test
  void aDeletedPolicyRebuildsWhatItSelected() {
    store.put(route("default", "to-backend", "backend", "backend"));
    ZoneView withRoute = reader.read();
    store.remove(route("default", "to-backend", "backend", "backend").key());
    assertThat(RebuildIndex.affected(withRoute, reader.read(), ALL))
        .containsExactly(WEB, BACKEND, INGRESS);
  }

  @Test
  void aPolicyForEveryServiceRebuildsEverySidecarOfItsMeshOnly() {
    store.put(route("staging", "all", "*", "*"));
    assertThat(RebuildIndex.affected(before, reader.read(), ALL))
        .containsExactly(STAGING_WEB, INGRESS);
  }

  @Test
  void aProxyTemplateRebuildsEverySidecarOfItsMesh() {
    store.put(
        yaml(
            """
            type: ProxyTemplate
            mesh: default
            name: pt
            selectors: [{match: {kuma.io/service: other}}]
            conf: {imports: [default-proxy]}
            """));
    assertThat(RebuildIndex.affected(before, reader.read(), ALL))
        .containsExactly(WEB, BACKEND, OTHER, CANARY, INGRESS);
  }

  @Test
  void aNewInstanceOfAServiceRebuildsItselfAndItsClients() {
    ProxyId backend2 = sidecar("default", "backend-2");
    store.put(dataplane("default", "backend-2", "backend"));
    List<ProxyId> proxies = List.of(WEB, BACKEND, OTHER, STAGING_WEB, backend2);
    assertThat(RebuildIndex.affected(before, reader.read(), proxies))
        .containsExactly(WEB, BACKEND, backend2);
  }

  @Test
  void aDeletedDataplaneRebuildsItsOwnProxyAndItsServicesClients() {
    store.remove(dataplane("default", "backend-1", "backend").key());
    assertThat(RebuildIndex.affected(before, reader.read(), ALL))
        .containsExactly(WEB, BACKEND, INGRESS);
  }

  @Test
  void aMeshChangeRebuildsEverySidecarOfThatMesh() {
    store.put(
        yaml(
            """
            type: Mesh
            name: staging
            routing: {localityAwareLoadBalancing: true}
            """));
    assertThat(RebuildIndex.affected(before, reader.read(), ALL))
        .containsExactly(STAGING_WEB, INGRESS);
  }

  @Test
  void anIngressServiceListChangeRebuildsTheSidecarsTouchingTheServicesListed() {
    store.put(ingress("zone-2", "canary", "127.0.0.2"));
    assertThat(RebuildIndex.affected(before, reader.read(), ALL))
        .containsExactly(WEB, BACKEND, CANARY, INGRESS);
  }

  @Test
  void anIngressAddressChangeRebuildsEverySidecar() {
    store.put(ingress("zone-2", "backend", "127.0.0.3"));
    assertThat(RebuildIndex.affected(before, reader.read(), ALL)).containsExactlyElementsOf(ALL);
  }

  @Test
  void aServiceARouteSendsToByNameRebuildsEverySidecarOfTheMesh() {
    store.put(route("default", "canary", "backend", "canary"));
    ZoneView withRoute = reader.read();
    store.put(dataplane("default", "canary-2", "canary")); // web's backend traffic may go there
    assertThat(RebuildIndex.affected(withRoute, reader.read(), ALL))
        .containsExactly(WEB, BACKEND, OTHER, CANARY, INGRESS);
  }

  private static ProxyId sidecar(String mesh, String name) {
    return new ProxyId(ProxyId.Kind.SIDECAR, mesh, name);
  }

  private static Resource dataplane(String mesh, String name, String service, String... reaches) {
    StringBuilder outbound = new StringBuilder();
    for (int i = 0; i < reaches.length; i++) {
      outbound.append(
          "  - {port: %d, tags: {kuma.io/service: %s}}\n".formatted(30001 + i, reaches[i]));
    }
    return yaml(
        """
        type: Dataplane
        mesh: %s
        name: %s
        networking:
          address: 127.0.0.1
          inbound:
          - {port: 20001, servicePort: 21001, tags: {kuma.io/service: %s}}
          outbound:
        %s"""
            .formatted(mesh, name, service, outbound.length() == 0 ? "    []\n" : outbound));
  }

  /** A TrafficRoute for traffic to {@code destination}, sent to {@code target}. */
  private static Resource route(String mesh, String name, String destination, String target) {
    return yaml(
        """
        type: TrafficRoute
        mesh: %s
        name: %s
        sources: [{match: {kuma.io/service: '*'}}]
        destinations: [{match: {kuma.io/service: '%s'}}]
        conf: {destination: {kuma.io/service: '%s'}}
        """
            .formatted(mesh, name, destination, target));
  }

  private static Resource ingress(String zone, String service, String address) {
    return yaml(
        """
        type: ZoneIngress
        name: ingress-%s
        zone: %s
        networking: {address: %s, port: 10001, advertisedAddress: %s, advertisedPort: 10001}
        availableServices: [{mesh: default, instances: 1, tags: {kuma.io/service: %s}}]
        """
            .formatted(zone, zone, address, address, service));
  }
}

package io.meshfed.zone.xds;

import static io.meshfed.zone.xds.XdsUnitFixtures.dataplane;
import static io.meshfed.zone.xds.XdsUnitFixtures.ingress;
import static io.meshfed.zone.xds.XdsUnitFixtures.yaml;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.kds.InMemoryKdsSource;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.xds.MeshState;
import org.junit.jupiter.api.Test;

/** What one read of the zone's view gives the builds. */
class ZoneViewReaderTest {
  private static final String ALLOW_ALL =
      """
      type: TrafficPermission
      mesh: default
      name: allow-all
      sources: [{match: {kuma.io/service: '*'}}]
      destinations: [{match: {kuma.io/service: '*'}}]
      """;

  private final InMemoryKdsSource source = new InMemoryKdsSource(ZoneViewReader.WATCHED, false);
  private final ZoneViewReader reader = new ZoneViewReader("zone-1", source);

  @Test
  void notReadyUntilEveryWatchedTypeIsLoaded() {
    assertThat(reader.ready()).isFalse();
    source.setReady(true);
    assertThat(reader.ready()).isTrue();
  }

  @Test
  void groupsResourcesByMeshAndIngressesByName() {
    source.setReady(true);
    Resource web = dataplane("web-1", "web", 20001);
    Resource other =
        yaml(
            """
            type: Dataplane
            mesh: other
            name: db-1
            networking:
              address: 127.0.0.1
              inbound: [{port: 20005, servicePort: 5432, tags: {kuma.io/service: db}}]
            """);
    Resource permission = yaml(ALLOW_ALL);
    source.put(
        yaml(XdsUnitFixtures.PLAIN_MESH),
        yaml("type: Mesh\nname: other\n"),
        web,
        other,
        permission,
        ingress("ingress-1", "zone-1"),
        ingress("ingress-2", "zone-2"));

    ZoneView view = reader.read();

    assertThat(view.meshes().keySet()).containsExactly("default", "other");
    MeshState byDefault = view.meshes().get("default");
    assertThat(byDefault.zone()).isEqualTo("zone-1");
    assertThat(byDefault.dataplanes()).containsExactly(web);
    assertThat(byDefault.trafficPermissions()).containsExactly(permission);
    assertThat(byDefault.zoneIngresses()).hasSize(2);
    assertThat(byDefault.index().dataplane("web-1")).contains(web);
    assertThat(view.meshes().get("other").dataplanes()).containsExactly(other);
    assertThat(view.meshes().get("other").trafficPermissions()).isEmpty();
    assertThat(view.ingresses().keySet()).containsExactlyInAnyOrder("ingress-1", "ingress-2");
  }

  @Test
  void aChangeOfOneTypeListsOnlyThatTypeAndKeepsWhatDidNotChange() {
    source.subscribe(reader::changed);
    source.setReady(true);
    Resource web = dataplane("web-1", "web", 20001);
    source.put(yaml(XdsUnitFixtures.PLAIN_MESH), yaml("type: Mesh\nname: other\n"), web);
    ZoneView before = reader.read();
    long listed = source.fullReads();

    Resource permission = yaml(ALLOW_ALL);
    source.put(permission);
    ZoneView after = reader.read();

    assertThat(source.fullReads() - listed).isEqualTo(1); // the TrafficPermissions alone
    assertThat(after.meshes().get("default").trafficPermissions()).containsExactly(permission);
    assertThat(after.meshes().get("default").dataplanes())
        .isSameAs(before.meshes().get("default").dataplanes());
    assertThat(after.meshes().get("other")).isSameAs(before.meshes().get("other"));
  }

  @Test
  void aReadWithNothingChangedListsNothingAndIsTheLastView() {
    source.subscribe(reader::changed);
    source.setReady(true);
    source.put(yaml(XdsUnitFixtures.PLAIN_MESH), dataplane("web-1", "web", 20001));
    ZoneView first = reader.read();
    long listed = source.fullReads();

    reader.changed("NotWatched");

    assertThat(reader.read()).isSameAs(first);
    assertThat(source.fullReads()).isEqualTo(listed);
  }

  @Test
  void aTypeThatIsNoLongerReadyIsListedAgainAsEmpty() {
    source.subscribe(reader::changed);
    source.setReady(true);
    source.put(yaml(XdsUnitFixtures.PLAIN_MESH), dataplane("web-1", "web", 20001));
    assertThat(reader.read().meshes()).containsOnlyKeys("default");

    source.setReady(false);

    assertThat(reader.read().meshes()).isEmpty();
  }

  @Test
  void aDataplaneOfAMissingMeshHasNoState() {
    source.setReady(true);
    source.put(dataplane("web-1", "web", 20001));
    assertThat(reader.read().meshes()).isEmpty();
    assertThat(ZoneViewReader.WATCHED)
        .contains(StandardTypes.MESH, StandardTypes.DATAPLANE, StandardTypes.ZONE_INGRESS);
  }
}

package io.meshfed.zone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.ZoneIngressSpec;
import io.meshfed.model.validation.ValidationException;
import io.meshfed.store.memory.MemoryResourceStore;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ZoneWriteHookTest {
  private final MemoryResourceStore store = new MemoryResourceStore(Clock.systemUTC(), 100);
  private final ZoneWriteHook hook = new ZoneWriteHook("zone-1", StandardTypes.registry());

  @AfterEach
  void close() {
    store.close();
  }

  static Resource dataplane(String name, Map<String, String> labels, String claimedZone) {
    DataplaneSpec.Networking net =
        new DataplaneSpec.Networking(
            "10.0.0.1",
            null,
            List.of(
                DataplaneSpec.Inbound.of(
                    8080, 80, Map.of(Tags.SERVICE, "web", Tags.ZONE, claimedZone, "v", "1")),
                DataplaneSpec.Inbound.of(8081, 81, Map.of(Tags.SERVICE, "web-admin"))),
            List.of(DataplaneSpec.Outbound.of(10001, "backend")),
            null,
            null,
            null);
    return new Resource(
        ResourceKey.inMesh(StandardTypes.DATAPLANE, "default", name),
        Meta.withLabels(labels),
        DataplaneSpec.of(net));
  }

  @Test
  void dataplaneClaimingAnotherZoneIsStampedWithThisZone() {
    Resource in =
        dataplane("web-1", Map.of(Tags.ZONE, "other", Tags.ORIGIN, "global", "team", "a"), "other");

    Resource out = hook.apply(in);

    assertThat(out.key()).isEqualTo(in.key());
    assertThat(out.labels())
        .containsEntry(Tags.ORIGIN, "zone")
        .containsEntry(Tags.ZONE, "zone-1")
        .containsEntry("team", "a");
    DataplaneSpec spec = out.spec(DataplaneSpec.class);
    assertThat(spec.inbounds())
        .extracting(DataplaneSpec.Inbound::tags)
        .containsExactly(
            Map.of(Tags.SERVICE, "web", Tags.ZONE, "zone-1", "v", "1"),
            Map.of(Tags.SERVICE, "web-admin", Tags.ZONE, "zone-1"));
    assertThat(spec.inbounds().get(0).port()).isEqualTo(8080);
    assertThat(spec.inbounds().get(0).servicePort()).isEqualTo(80);
    assertThat(spec.networking().address()).isEqualTo("10.0.0.1");
    assertThat(spec.networking().outbound())
        .isEqualTo(in.spec(DataplaneSpec.class).networking().outbound());
  }

  @Test
  void zoneIngressGetsThisZone() {
    Resource in =
        new Resource(
            ResourceKey.global(StandardTypes.ZONE_INGRESS, "ingress-1"),
            Meta.EMPTY,
            new ZoneIngressSpec(
                "zone-2",
                new ZoneIngressSpec.Networking("10.0.0.2", "1.2.3.4", 10001, 10001, null),
                List.of()));

    Resource out = hook.apply(in);

    assertThat(out.spec(ZoneIngressSpec.class).zone()).isEqualTo("zone-1");
    assertThat(out.spec(ZoneIngressSpec.class).networking().advertisedAddress())
        .isEqualTo("1.2.3.4");
    assertThat(out.labels()).containsEntry(Tags.ORIGIN, "zone").containsEntry(Tags.ZONE, "zone-1");
  }

  @Test
  void globalOwnedTypesPassUnchanged() {
    Resource mesh =
        new Resource(
            ResourceKey.global(StandardTypes.MESH, "default"), Meta.EMPTY, MeshSpec.ofMtls(null));
    assertThat(hook.apply(mesh)).isSameAs(mesh);
  }

  @Test
  void aCopySyncedFromGlobalCannotBeOverwritten() {
    Resource copy =
        new Resource(
            ResourceKey.global(StandardTypes.ZONE_INGRESS, "ingress-z2"),
            Meta.withLabels(Map.of(Tags.ORIGIN, "global", Tags.ZONE, "zone-2")),
            new ZoneIngressSpec(
                "zone-2",
                new ZoneIngressSpec.Networking("10.0.0.2", "1.2.3.4", 10001, 10001, null),
                List.of()));
    store.create(copy).join();
    Resource incoming = hook.apply(copy.withMeta(Meta.EMPTY));

    assertThatThrownBy(
            () -> store.put(incoming, 0, existing -> hook.checkExisting(incoming, existing)).join())
        .hasCauseInstanceOf(ValidationException.class)
        .cause()
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("ingress-z2")
        .hasMessageContaining("copy synced from global")
        .hasMessageContaining("zone 'zone-2'");
  }
}

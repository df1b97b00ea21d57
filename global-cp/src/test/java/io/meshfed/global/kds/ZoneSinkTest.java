package io.meshfed.global.kds;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.kds.KdsReceived;
import io.meshfed.kds.KdsRejection;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.ZoneIngressSpec;
import io.meshfed.store.memory.MemoryResourceStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ZoneSinkTest {
  private final TypeRegistry registry = StandardTypes.registry();
  private final ResourceCodec codec = new ResourceCodec(registry);
  private final MemoryResourceStore store = new MemoryResourceStore();
  private final AtomicInteger rewrites = new AtomicInteger();
  private final ZoneSink sink = new ZoneSink("zone-2", store, registry, rewrites::addAndGet);

  private KdsReceived received(String yaml) {
    Resource r = codec.decodeOne(yaml);
    return new KdsReceived(io.meshfed.kds.KdsEnvelope.wireName(r), "v1", r);
  }

  @Test
  void acceptsOnlyZoneOwnedTypes() {
    assertThat(sink.types())
        .containsExactlyInAnyOrder(
            "ZoneIngress", "ZoneIngressInsight", "Dataplane", "DataplaneInsight");
    List<KdsRejection> refused =
        sink.apply("Mesh", List.of(received("type: Mesh\nname: default\n")), List.of("other"))
            .join();
    assertThat(refused).extracting(KdsRejection::name).containsExactly("default", "other");
    assertThat(refused.get(0).reason()).contains("Mesh is not a zone-owned type");
    assertThat(store.get(ResourceKey.global("Mesh", "default")).join()).isEmpty();
    assertThat(store.get(ResourceKey.global("Mesh", "zone-2.default")).join()).isEmpty();
  }

  @Test
  void renamesStampsAndPinsTheZoneButNeverTouchesAnotherZone() {
    Resource theirs =
        new Resource(
            ResourceKey.global("ZoneIngress", "zone-1.ingress"),
            Meta.withLabels(Map.of(Tags.ORIGIN, "zone", Tags.ZONE, "zone-1")),
            new ZoneIngressSpec("zone-1", null, null));
    store.create(theirs).join();

    KdsReceived mine =
        received(
            "type: ZoneIngress\nname: ingress\nzone: zone-1\nnetworking:\n  address: 10.0.0.9\n  port: 10001\n");
    assertThat(sink.apply("ZoneIngress", List.of(mine), List.of()).join()).isEmpty();
    Resource stored =
        store.get(ResourceKey.global("ZoneIngress", "zone-2.ingress")).join().orElseThrow();
    assertThat(stored.labels())
        .containsEntry(Tags.ORIGIN, "zone")
        .containsEntry(Tags.ZONE, "zone-2");
    assertThat(stored.spec(ZoneIngressSpec.class).zone()).isEqualTo("zone-2");
    assertThat(rewrites.get()).isEqualTo(1);

    // zone-2 removing or claiming zone-1's ingress changes nothing of zone-1
    Resource claim = mine.resource().withMeta(Meta.withLabels(Map.of(Tags.ZONE, "zone-1")));
    List<KdsRejection> refused =
        sink.apply(
                "ZoneIngress",
                List.of(new KdsReceived("ingress", "v2", claim)),
                List.of("zone-1.ingress", "ingress"))
            .join();
    assertThat(refused).singleElement().satisfies(r -> assertThat(r.reason()).contains("zone-1"));
    assertThat(store.get(theirs.key()).join()).isPresent();
    assertThat(store.get(stored.key()).join()).isEmpty();
    assertThat(sink.heldVersions("ZoneIngress").join()).isEmpty();
  }
}

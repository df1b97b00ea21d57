package io.meshfed.kds;

import static io.meshfed.kds.TestTypes.MESH;
import static io.meshfed.kds.TestTypes.TP;
import static io.meshfed.kds.TestTypes.ZONE_THING;
import static io.meshfed.kds.TestTypes.mesh;
import static io.meshfed.kds.TestTypes.permission;
import static io.meshfed.kds.TestTypes.thing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.kds.store.StoreKdsSink;
import io.meshfed.kds.store.StoreKdsSource;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.store.ListQuery;
import io.meshfed.store.memory.MemoryResourceStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The store-backed source and sink, end to end between two memory stores. */
class StoreAdaptersTest {
  private static final String ORIGIN = "kuma.io/origin";
  private final MemoryResourceStore globalStore = new MemoryResourceStore(Clock.systemUTC(), 1000);
  private final MemoryResourceStore zoneStore = new MemoryResourceStore(Clock.systemUTC(), 1000);
  private final Predicate<Resource> fromGlobal = r -> "global".equals(r.labels().get(ORIGIN));
  private final UnaryOperator<Resource> stampGlobal =
      r -> r.withMeta(r.meta().withLabel(ORIGIN, "global"));
  private KdsHarness h;
  private StoreKdsSource source;

  @AfterEach
  void tearDown() throws Exception {
    if (source != null) {
      source.close();
    }
    if (h != null) {
      h.close();
    }
    globalStore.close();
    zoneStore.close();
  }

  private Optional<Resource> zone(String type, String mesh, String name) {
    ResourceKey key =
        mesh == null ? ResourceKey.global(type, name) : ResourceKey.inMesh(type, mesh, name);
    return zoneStore.get(key).join();
  }

  private KdsClientSession connect(StoreKdsSink sink) {
    KdsClientSession session =
        new KdsClientSession(
            h.channel(KdsHarness.ZONE),
            KdsHarness.ZONE,
            sink,
            h.zoneSource,
            h.runtime(h.zoneListener));
    return session.start();
  }

  @Test
  void globalStoreSyncsIntoTheZoneStoreWithStampsDeletesAndResume() {
    h = new KdsHarness();
    globalStore.create(mesh("default")).join();
    globalStore.create(permission("default", "p1", "a")).join();
    globalStore.create(permission("default", "local", "from-global")).join();
    zoneStore
        .create(
            mesh("default").withMeta(io.meshfed.model.Meta.withLabels(Map.of(ORIGIN, "global"))))
        .join();
    zoneStore.create(permission("default", "local", "zone-own")).join();
    source =
        new StoreKdsSource(
            globalStore,
            h.globalToZoneTypes,
            r -> true,
            UnaryOperator.identity(),
            h.scheduler,
            Duration.ofSeconds(1));
    source.start().orTimeout(10, TimeUnit.SECONDS).join();
    h.bindings.set(
        new KdsPeerBindings() {
          @Override
          public KdsSource sourceFor(String zone) {
            return source;
          }

          @Override
          public KdsSink sinkFor(String zone) {
            return h.globalSink;
          }
        });
    h.startServer();
    StoreKdsSink sink = new StoreKdsSink(zoneStore, h.globalToZoneTypes, fromGlobal, stampGlobal);

    KdsClientSession session = connect(sink);

    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(() -> zone(TP, "default", "p1").isPresent() && h.globalListener.nacks(TP) == 1);
    Resource p1 = zone(TP, "default", "p1").orElseThrow();
    assertThat(p1.labels()).containsEntry(ORIGIN, "global").containsKey(StoreKdsSink.VERSION_LABEL);
    assertThat(p1.labels().get(StoreKdsSink.VERSION_LABEL)).matches("[0-9a-f]{16}");
    assertThat(zone(MESH, null, "default").orElseThrow().labels())
        .containsKey(StoreKdsSink.VERSION_LABEL);
    // The zone's own resource of the same name is neither overwritten nor deleted.
    assertThat(zone(TP, "default", "local").orElseThrow().labels()).doesNotContainKey(ORIGIN);
    assertThat(h.globalListener.nackedNames().get("default/local")).contains("not written by KDS");

    globalStore.update(permission("default", "p1", "changed"), 0).join();
    globalStore.create(permission("default", "p2", "b")).join();
    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(
            () ->
                zone(TP, "default", "p2").isPresent()
                    && zone(TP, "default", "p1")
                        .orElseThrow()
                        .sameContent(
                            stampGlobal
                                .apply(permission("default", "p1", "changed"))
                                .withMeta(zone(TP, "default", "p1").orElseThrow().meta())));
    globalStore.delete(ResourceKey.inMesh(TP, "default", "p2"), 0).join();
    await().atMost(10, TimeUnit.SECONDS).until(() -> zone(TP, "default", "p2").isEmpty());
    assertThat(zone(TP, "default", "local")).isPresent();

    // Reconnect with nothing changed: nothing is re-sent (the NACKed 'local' only after back-off).
    session.close();
    h.closeSessions();
    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(
            () ->
                h.globalListener.count("streamsClosed") == h.globalListener.count("streamsOpened"));
    long sent = h.globalListener.resourcesSent(TP) + h.globalListener.resourcesSent(MESH);
    long acks = h.globalListener.acks(TP) + h.globalListener.acks(MESH);
    long nacks = h.globalListener.nacks(TP);
    connect(sink);
    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(
            () ->
                h.globalListener.acks(TP)
                        + h.globalListener.acks(MESH)
                        + h.globalListener.nacks(TP)
                        - nacks
                    >= acks + 2);
    long resent = h.globalListener.resourcesSent(TP) + h.globalListener.resourcesSent(MESH) - sent;
    assertThat(resent)
        .as("only the still-rejected 'local' is offered again on a new stream")
        .isEqualTo(1);
  }

  @Test
  void sinkRenamesKeepsTheWireNameAndReportsHeldVersions() {
    Predicate<Resource> ofZone1 = r -> "zone-1".equals(r.labels().get("kuma.io/zone"));
    UnaryOperator<Resource> renameForZone1 =
        r ->
            new Resource(
                ResourceKey.inMesh(r.type(), r.mesh(), r.name() + "-zone-1"),
                r.meta().withLabel("kuma.io/zone", "zone-1").withLabel(ORIGIN, "zone"),
                r.spec());
    StoreKdsSink sink = new StoreKdsSink(globalStore, List.of(ZONE_THING), ofZone1, renameForZone1);
    globalStore.create(mesh("default")).join();
    KdsEnvelope envelope =
        new KdsEnvelope(new io.meshfed.model.codec.ResourceCodec(TestTypes.registry()));
    var wire = envelope.encode(thing("default", "t1", "x"));
    KdsReceived t1 = envelope.decode(ZONE_THING, List.of(wire)).accepted().get(0);

    List<KdsRejection> rejected = sink.apply(ZONE_THING, List.of(t1), List.of()).join();

    assertThat(rejected).isEmpty();
    Resource stored =
        globalStore
            .get(ResourceKey.inMesh(ZONE_THING, "default", "t1-zone-1"))
            .join()
            .orElseThrow();
    assertThat(stored.labels())
        .containsEntry(StoreKdsSink.NAME_LABEL, "t1")
        .containsEntry(StoreKdsSink.VERSION_LABEL, wire.getVersion())
        .containsEntry("kuma.io/zone", "zone-1");
    assertThat(sink.heldVersions(ZONE_THING).join())
        .containsExactly(Map.entry("default/t1", wire.getVersion()));

    // Applying the same version again writes nothing; removal by wire name deletes the renamed
    // copy.
    long revision = globalStore.currentRevision().join();
    assertThat(sink.apply(ZONE_THING, List.of(t1), List.of()).join()).isEmpty();
    assertThat(globalStore.currentRevision().join()).isEqualTo(revision);
    assertThat(
            sink.apply(ZONE_THING, List.of(), List.of("default/t1", "default/never-held")).join())
        .isEmpty();
    assertThat(globalStore.list(ListQuery.all(ZONE_THING)).join().items()).isEmpty();
  }

  @Test
  void sinkAppliesAResponseByReadingOnlyTheKeysItNamesNeverListingTheType() {
    // Another zone's 2 000 copies share the type: a re-list per response would read all of them.
    globalStore.create(mesh("default")).join();
    for (int i = 0; i < 2000; i++) {
      Resource other = thing("default", "zone-2.t" + i, "x");
      globalStore.create(other.withMeta(other.meta().withLabel("kuma.io/zone", "zone-2"))).join();
    }
    java.util.concurrent.atomic.AtomicInteger lists =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger gets =
        new java.util.concurrent.atomic.AtomicInteger();
    io.meshfed.store.ResourceStore counting =
        new io.meshfed.store.ForwardingStore(globalStore) {
          @Override
          public java.util.concurrent.CompletableFuture<io.meshfed.store.ResourcePage> list(
              ListQuery query) {
            lists.incrementAndGet();
            return super.list(query);
          }

          @Override
          public java.util.concurrent.CompletableFuture<Optional<Resource>> get(ResourceKey key) {
            gets.incrementAndGet();
            return super.get(key);
          }

          @Override
          public void close() {}
        };
    Predicate<Resource> ofZone1 = r -> "zone-1".equals(r.labels().get("kuma.io/zone"));
    UnaryOperator<Resource> renameForZone1 =
        r ->
            new Resource(
                ResourceKey.inMesh(r.type(), r.mesh(), "zone-1." + r.name()),
                r.meta().withLabel("kuma.io/zone", "zone-1"),
                r.spec());
    StoreKdsSink sink =
        new StoreKdsSink(
            counting,
            List.of(ZONE_THING),
            ofZone1,
            renameForZone1,
            k -> ResourceKey.inMesh(k.type(), k.mesh(), "zone-1." + k.name()));
    KdsEnvelope envelope =
        new KdsEnvelope(new io.meshfed.model.codec.ResourceCodec(TestTypes.registry()));
    KdsReceived t1 =
        envelope
            .decode(ZONE_THING, List.of(envelope.encode(thing("default", "t1", "x"))))
            .accepted()
            .get(0);
    KdsReceived t2 =
        envelope
            .decode(ZONE_THING, List.of(envelope.encode(thing("default", "t2", "y"))))
            .accepted()
            .get(0);
    KdsReceived t1v2 =
        envelope
            .decode(ZONE_THING, List.of(envelope.encode(thing("default", "t1", "changed"))))
            .accepted()
            .get(0);

    assertThat(sink.apply(ZONE_THING, List.of(t1, t2), List.of()).join()).isEmpty();
    assertThat(sink.apply(ZONE_THING, List.of(t1v2), List.of("default/t2")).join()).isEmpty();
    assertThat(sink.apply(ZONE_THING, List.of(t1v2), List.of()).join()).isEmpty();

    assertThat(lists).as("store lists while applying three responses").hasValue(0);
    assertThat(gets).as("one get per named resource").hasValue(5);
    assertThat(
            globalStore
                .get(ResourceKey.inMesh(ZONE_THING, "default", "zone-1.t1"))
                .join()
                .orElseThrow()
                .spec())
        .isEqualTo(new TestTypes.BlobSpec("changed"));
    assertThat(globalStore.get(ResourceKey.inMesh(ZONE_THING, "default", "zone-1.t2")).join())
        .isEmpty();
    assertThat(globalStore.list(ListQuery.all(ZONE_THING)).join().total()).isEqualTo(2001);

    // A name it does not hold costs one list of the type, and removes nothing else.
    assertThat(sink.apply(ZONE_THING, List.of(), List.of("default/never-held")).join()).isEmpty();
    assertThat(lists).hasValue(1);
    assertThat(globalStore.list(ListQuery.all(ZONE_THING)).join().total()).isEqualTo(2001);
  }

  @Test
  void sourceIsNotReadyUntilListedAndFollowsTheWatch() {
    h = new KdsHarness();
    globalStore.create(mesh("default")).join();
    globalStore.create(permission("default", "p1", "a")).join();
    source =
        new StoreKdsSource(
            globalStore,
            List.of(MESH, TP),
            r -> !r.name().startsWith("hidden"),
            stampGlobal,
            h.scheduler,
            Duration.ofSeconds(1));
    assertThat(source.isReady(TP)).isFalse();
    assertThat(source.resources(TP)).isEmpty();
    List<String> changes = new java.util.concurrent.CopyOnWriteArrayList<>();
    source.subscribe(changes::add);

    source.start().orTimeout(10, TimeUnit.SECONDS).join();

    assertThat(source.isReady(TP)).isTrue();
    assertThat(changes).contains(MESH, TP);
    assertThat(source.resources(TP))
        .singleElement()
        .satisfies(r -> assertThat(r.labels()).containsEntry(ORIGIN, "global"));
    globalStore.create(permission("default", "p2", "b")).join();
    globalStore.create(permission("default", "hidden", "c")).join();
    globalStore.delete(ResourceKey.inMesh(TP, "default", "p1"), 0).join();
    await()
        .atMost(10, TimeUnit.SECONDS)
        .untilAsserted(
            () ->
                assertThat(source.resources(TP)).extracting(Resource::name).containsExactly("p2"));
  }
}

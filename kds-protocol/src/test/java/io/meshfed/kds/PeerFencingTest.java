package io.meshfed.kds;

import static io.meshfed.kds.TestTypes.MESH;
import static io.meshfed.kds.TestTypes.TP;
import static io.meshfed.kds.TestTypes.mesh;
import static io.meshfed.kds.TestTypes.permission;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.kds.store.StoreKdsSink;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.memory.MemoryResourceStore;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A zone's copies of global resources are fenced by the identity of the global that sent them: a
 * global started on an empty store (a new identity) cannot wipe them by asking for their removal.
 */
class PeerFencingTest {
  private static final String ORIGIN = "kuma.io/origin";
  private final MemoryResourceStore zoneStore = new MemoryResourceStore(Clock.systemUTC(), 1000);
  private final KdsEnvelope envelope = new KdsEnvelope(new ResourceCodec(TestTypes.registry()));
  private final StoreKdsSink sink =
      new StoreKdsSink(
              zoneStore,
              List.of(MESH, TP),
              r -> "global".equals(r.labels().get(ORIGIN)),
              r -> r.withMeta(r.meta().withLabel(ORIGIN, "global")))
          .fencedByPeer();

  @AfterEach
  void close() {
    zoneStore.close();
  }

  private KdsReceived received(String type, Resource r) {
    return envelope.decode(type, List.of(envelope.encode(r))).accepted().get(0);
  }

  private Optional<Resource> permissionCopy(String name) {
    return zoneStore.get(ResourceKey.inMesh(TP, "default", name)).join();
  }

  @Test
  void anotherGlobalCannotRemoveCopiesItNeverSentButCanReplaceThem() {
    sink.apply(MESH, List.of(received(MESH, mesh("default"))), List.of(), "global-a").join();
    sink.apply(
            TP,
            List.of(
                received(TP, permission("default", "p1", "web")),
                received(TP, permission("default", "p2", "web"))),
            List.of(),
            "global-a")
        .join();
    assertThat(permissionCopy("p1").orElseThrow().labels())
        .containsEntry(StoreKdsSink.PEER_LABEL, "global-a");

    // A wiped global (new identity) holds nothing and asks the zone to remove what it has.
    List<KdsRejection> rejected =
        sink.apply(TP, List.of(), List.of("default/p1", "default/p2"), "global-b").join();

    assertThat(rejected).isEmpty();
    assertThat(permissionCopy("p1")).isPresent();
    assertThat(permissionCopy("p2")).isPresent();

    // The new global sends p1 again: it takes the copy over, and may then remove it.
    sink.apply(TP, List.of(received(TP, permission("default", "p1", "api"))), List.of(), "global-b")
        .join();
    assertThat(permissionCopy("p1").orElseThrow().labels())
        .containsEntry(StoreKdsSink.PEER_LABEL, "global-b");
    sink.apply(TP, List.of(), List.of("default/p1"), "global-b").join();
    assertThat(permissionCopy("p1")).isEmpty();
    assertThat(permissionCopy("p2")).isPresent();

    // The original global, back again, can still remove what it sent.
    sink.apply(TP, List.of(), List.of("default/p2"), "global-a").join();
    assertThat(permissionCopy("p2")).isEmpty();
  }

  @Test
  void theServingSideNamesItselfInEveryResponse() throws Exception {
    List<String> peers = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (KdsHarness h =
        new KdsHarness(
            KdsSettings.defaults()
                .withCoalesceDelay(java.time.Duration.ZERO)
                .withControlPlaneId("global-x"))) {
      h.globalSource.put(mesh("default"));
      h.startServer();
      KdsSink recording =
          new KdsSink() {
            @Override
            public List<String> types() {
              return h.zoneSink.types();
            }

            @Override
            public java.util.concurrent.CompletableFuture<java.util.Map<String, String>>
                heldVersions(String type) {
              return h.zoneSink.heldVersions(type);
            }

            @Override
            public java.util.concurrent.CompletableFuture<List<KdsRejection>> apply(
                String type, List<KdsReceived> upserts, List<String> removed) {
              return h.zoneSink.apply(type, upserts, removed);
            }

            @Override
            public java.util.concurrent.CompletableFuture<List<KdsRejection>> apply(
                String type, List<KdsReceived> upserts, List<String> removed, String peerId) {
              peers.add(peerId);
              return apply(type, upserts, removed);
            }
          };
      new KdsClientSession(
              h.channel(KdsHarness.ZONE),
              KdsHarness.ZONE,
              recording,
              h.zoneSource,
              h.runtime(h.zoneListener))
          .start();
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .until(() -> !peers.isEmpty());
      assertThat(peers).containsOnly("global-x");
    }
  }

  @Test
  void withoutFencingOrWithoutAPeerIdentityRemovalsApplyAsBefore() {
    StoreKdsSink plain =
        new StoreKdsSink(
            zoneStore,
            List.of(MESH, TP),
            r -> "global".equals(r.labels().get(ORIGIN)),
            r -> r.withMeta(r.meta().withLabel(ORIGIN, "global")));
    plain.apply(MESH, List.of(received(MESH, mesh("default"))), List.of(), "global-a").join();
    plain
        .apply(TP, List.of(received(TP, permission("default", "p1", "web"))), List.of(), "global-a")
        .join();
    assertThat(permissionCopy("p1").orElseThrow().labels())
        .doesNotContainKey(StoreKdsSink.PEER_LABEL);
    plain.apply(TP, List.of(), List.of("default/p1"), "global-b").join();
    assertThat(permissionCopy("p1")).isEmpty();

    sink.apply(TP, List.of(received(TP, permission("default", "p3", "web"))), List.of(), "").join();
    sink.apply(TP, List.of(), List.of("default/p3"), "").join();
    assertThat(permissionCopy("p3")).isEmpty();
  }
}

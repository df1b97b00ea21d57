package io.meshfed.global.kds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.meshfed.kds.KdsDirection;
import io.meshfed.kds.KdsEnvelope;
import io.meshfed.kds.KdsStreamInfo;
import io.meshfed.kds.KdsStreamListener.SentResponse;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.ZoneSyncStateSpec;
import io.meshfed.store.ForwardingStore;
import io.meshfed.store.MutableClock;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.ha.LeasedKeys;
import io.meshfed.store.ha.LocalCoordination;
import io.meshfed.store.memory.MemoryResourceStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SyncStatusTest {
  private static final String TP = "TrafficPermission";
  private static final ResourceKey A = ResourceKey.inMesh(TP, "default", "a");

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final MemoryResourceStore store = new MemoryResourceStore();
  private final KdsEnvelope envelope = new KdsEnvelope(new ResourceCodec(StandardTypes.registry()));
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final LeasedKeys unclaimed = new LocalCoordination("global").keys("zone-streams");

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  private SyncStatus replica(String instance) {
    return new SyncStatus(envelope, clock, store, instance, scheduler, unclaimed::vacancy);
  }

  private static KdsStreamInfo stream(String zone, long id) {
    return new KdsStreamInfo(zone, KdsDirection.GLOBAL_TO_ZONE, KdsStreamInfo.Role.SERVING, id);
  }

  private SentResponse sent(String nonce, Map<String, String> resources) {
    return new SentResponse(TP, nonce, resources, List.of(), 100, clock.instant());
  }

  private static List<SyncStatus.ZoneSync> zones(SyncStatus status, ResourceKey key)
      throws Exception {
    return status.zonesOf(key).get(5, TimeUnit.SECONDS);
  }

  private Resource stored(String zone) throws Exception {
    return store.get(ZoneSyncStates.key(zone)).get(5, TimeUnit.SECONDS).orElseThrow();
  }

  @Test
  void anotherReplicaAndARestartedOneAnswerWhatTheServingReplicaSaw() throws Exception {
    SyncStatus a = replica("global-a");
    KdsStreamInfo s = stream("zone-1", 1);
    a.streamOpened(s);
    SentResponse r = sent("n1", Map.of("default/a", "v1"));
    a.responseSent(s, r);
    a.acked(s, r, Duration.ofMillis(5));
    a.flush().get(5, TimeUnit.SECONDS);

    SyncStatus b = replica("global-b");
    assertThat(zones(b, A))
        .containsExactly(
            new SyncStatus.ZoneSync(
                "zone-1", "v1", SyncStatus.ACKED, clock.instant().plusMillis(5), null));
    assertThat(zones(a, A)).isEqualTo(zones(b, A));
    assertThat(stored("zone-1").labels()).containsKey("meshfed.io/managed-by");
  }

  @Test
  void aZoneReconnectingToARestartedReplicaIsAckedFromWhatItHolds() throws Exception {
    SyncStatus restarted = replica("global-a2");
    KdsStreamInfo s = stream("zone-1", 1);
    restarted.streamOpened(s);
    restarted.subscribed(s, TP, Map.of("default/a", "v1"));

    assertThat(zones(restarted, A)).extracting(z -> z.state()).containsExactly(SyncStatus.ACKED);
    restarted.flush().get(5, TimeUnit.SECONDS);
    assertThat(zones(replica("global-b"), A))
        .extracting(z -> z.version() + " " + z.state())
        .containsExactly("v1 acked");
  }

  @Test
  void changesBetweenFlushesAreWrittenOnce() throws Exception {
    SyncStatus a = replica("global-a");
    KdsStreamInfo s = stream("zone-1", 1);
    a.streamOpened(s);
    for (int i = 0; i < 50; i++) {
      SentResponse r = sent("n" + i, Map.of("default/a", "v" + i));
      a.responseSent(s, r);
      a.acked(s, r, Duration.ZERO);
    }
    long before = store.currentRevision().get(5, TimeUnit.SECONDS);
    a.flush().get(5, TimeUnit.SECONDS);
    assertThat(store.currentRevision().get(5, TimeUnit.SECONDS)).isEqualTo(before + 1);
    a.flush().get(5, TimeUnit.SECONDS);
    assertThat(store.currentRevision().get(5, TimeUnit.SECONDS))
        .as("nothing changed, nothing written")
        .isEqualTo(before + 1);
  }

  @Test
  void eachZoneIsWrittenAtItsOwnTickOfTheInterval() throws Exception {
    SyncStatus a = replica("global-a");
    KdsStreamInfo one = stream("zone-1", 1);
    KdsStreamInfo two = stream("zone-2", 2);
    a.streamOpened(one);
    a.streamOpened(two);
    a.responseSent(one, sent("n1", Map.of("default/a", "v1")));
    a.responseSent(two, sent("n1", Map.of("default/a", "v1")));

    a.tick().get(5, TimeUnit.SECONDS);
    assertThat(store.get(ZoneSyncStates.key("zone-1")).get(5, TimeUnit.SECONDS)).isPresent();
    assertThat(store.get(ZoneSyncStates.key("zone-2")).get(5, TimeUnit.SECONDS))
        .as("zone-2 changed too, but its slot is the next tick's")
        .isEmpty();
    a.tick().get(5, TimeUnit.SECONDS);
    assertThat(store.get(ZoneSyncStates.key("zone-2")).get(5, TimeUnit.SECONDS)).isPresent();

    long written = store.currentRevision().get(5, TimeUnit.SECONDS);
    a.responseSent(one, sent("n2", Map.of("default/a", "v2")));
    for (int i = 2; i < SyncStatus.SLOTS; i++) {
      a.tick().get(5, TimeUnit.SECONDS);
    }
    assertThat(store.currentRevision().get(5, TimeUnit.SECONDS))
        .as("zone-1's slot has not come round again")
        .isEqualTo(written);
    a.tick().get(5, TimeUnit.SECONDS);
    assertThat(stored("zone-1").spec(ZoneSyncStateSpec.class).types().get(TP))
        .extractingByKey("default/a")
        .extracting(ZoneSyncStateSpec.Entry::version)
        .isEqualTo("v2");
  }

  @Test
  void aReplicaThatLostTheZoneToANewerStreamDoesNotOverwriteItsState() throws Exception {
    SyncStatus old = replica("global-a");
    KdsStreamInfo oldStream = stream("zone-1", 1);
    old.streamOpened(oldStream);
    clock.advance(Duration.ofSeconds(3));
    SyncStatus current = replica("global-b");
    KdsStreamInfo newStream = stream("zone-1", 9);
    current.streamOpened(newStream);
    current.subscribed(newStream, TP, Map.of("default/a", "v2"));
    current.flush().get(5, TimeUnit.SECONDS);

    old.subscribed(oldStream, TP, Map.of("default/a", "v1"));
    old.streamClosed(oldStream, Status.UNAVAILABLE);
    old.flush().get(5, TimeUnit.SECONDS);

    assertThat(stored("zone-1").spec(ZoneSyncStateSpec.class).owner()).isEqualTo("global-b");
    assertThat(zones(old, A))
        .as("the old replica answers from the store now")
        .extracting(z -> z.version())
        .containsExactly("v2");
  }

  @Test
  void aConflictingWriteIsReadAgainAndRetried() throws Exception {
    SyncStatus a = replica("global-a");
    KdsStreamInfo s = stream("zone-1", 1);
    a.streamOpened(s);
    a.subscribed(s, TP, Map.of("default/a", "v1"));
    a.flush().get(5, TimeUnit.SECONDS);
    Resource first = stored("zone-1");
    // someone else (an older owner finishing late) writes in between
    store
        .update(
            first.withSpec(new ZoneSyncStateSpec("global-old", Instant.EPOCH, null, Map.of())),
            first.version())
        .get(5, TimeUnit.SECONDS);

    a.subscribed(s, TP, Map.of("default/a", "v3"));
    a.flush().get(5, TimeUnit.SECONDS);
    a.flush().get(5, TimeUnit.SECONDS);

    ZoneSyncStateSpec now = stored("zone-1").spec(ZoneSyncStateSpec.class);
    assertThat(now.owner()).isEqualTo("global-a");
    assertThat(now.types().get(TP).get("default/a").version()).isEqualTo("v3");
  }

  @Test
  void aStreamIsNotHeldUpWhileAFlushIsWriting() throws Exception {
    CountDownLatch writing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ResourceStore slow =
        new ForwardingStore(store) {
          @Override
          public CompletableFuture<Optional<Resource>> get(ResourceKey key) {
            // a flush reads the stored state first, then builds and writes it: here it hangs
            writing.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return super.get(key);
          }
        };
    SyncStatus a = new SyncStatus(envelope, clock, slow, "global-a", scheduler, unclaimed::vacancy);
    KdsStreamInfo s = stream("zone-1", 1);
    a.streamOpened(s);
    a.subscribed(s, TP, Map.of("default/a", "v1"));
    CompletableFuture<Void> flushing = CompletableFuture.runAsync(() -> a.flush().join());
    assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue();

    SentResponse r = sent("n1", Map.of("default/a", "v2"));
    CompletableFuture<Void> stream = CompletableFuture.runAsync(() -> a.responseSent(s, r));
    try {
      await()
          .atMost(Duration.ofSeconds(10))
          .alias("the stream's listener call returns while the flush is still writing")
          .until(stream::isDone);
    } finally {
      release.countDown();
    }
    flushing.get(5, TimeUnit.SECONDS);
    a.flush().get(5, TimeUnit.SECONDS);
    assertThat(stored("zone-1").spec(ZoneSyncStateSpec.class).types().get(TP).get("default/a"))
        .extracting(e -> e.version() + " " + e.state())
        .isEqualTo("v2 pending");
  }

  @Test
  void aStoredStateKeepsAtMostMaxEntries() throws Exception {
    SyncStatus a =
        new SyncStatus(envelope, clock, store, "global-a", scheduler, unclaimed::vacancy, 2);
    KdsStreamInfo s = stream("zone-1", 1);
    a.streamOpened(s);
    a.subscribed(s, TP, Map.of("default/a", "v1", "default/b", "v1", "default/c", "v1"));
    a.flush().get(5, TimeUnit.SECONDS);

    ZoneSyncStateSpec spec = stored("zone-1").spec(ZoneSyncStateSpec.class);
    assertThat(spec.truncated()).isTrue();
    assertThat(spec.types().get(TP)).containsOnlyKeys("default/a", "default/b");
  }

  @Test
  void closingWritesWhatChangedSinceTheLastFlush() throws Exception {
    SyncStatus a = replica("global-a");
    KdsStreamInfo s = stream("zone-1", 1);
    a.streamOpened(s);
    a.subscribed(s, TP, Map.of("default/a", "v1"));
    a.close();

    assertThat(stored("zone-1").spec(ZoneSyncStateSpec.class).types().get(TP))
        .containsOnlyKeys("default/a");
  }
}

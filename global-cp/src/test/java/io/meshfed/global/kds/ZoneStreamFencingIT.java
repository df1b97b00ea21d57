package io.meshfed.global.kds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.meshfed.api.metrics.MeteredStore;
import io.meshfed.kds.KdsDirection;
import io.meshfed.kds.KdsEnvelope;
import io.meshfed.kds.KdsReceived;
import io.meshfed.kds.KdsStreamInfo;
import io.meshfed.kds.KdsStreamListener.SentResponse;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.ZoneIngressSpec;
import io.meshfed.model.spec.ZoneInsightSpec;
import io.meshfed.model.spec.ZoneInsightSpec.KdsSubscription;
import io.meshfed.model.spec.ZoneSyncStateSpec;
import io.meshfed.store.MutableClock;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.etcd.EtcdResourceStore;
import io.meshfed.store.etcd.EtcdStoreOptions;
import io.meshfed.store.etcd.ha.EtcdCoordination;
import io.meshfed.store.ha.Fence;
import io.meshfed.testing.EtcdExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A zone's writes on global are fenced by the replica's claim of the zone's streams, on a real
 * etcd: once the zone moved to replica B, what replica A still applies for the zone (frames it had
 * buffered, e.g. while it was paused) is refused and changes nothing; likewise A's {@code
 * ZoneInsight} and {@code ZoneSyncState} writes, each counted in {@code
 * cp_fenced_writes_refused_total}.
 */
class ZoneStreamFencingIT {
  @RegisterExtension static final EtcdExtension ETCD = new EtcdExtension();

  private final TypeRegistry registry = StandardTypes.registry();
  private final ResourceCodec codec = new ResourceCodec(registry);
  private final String prefix = "/zone-fencing-" + UUID.randomUUID();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  private EtcdCoordination replica(String id) {
    EtcdCoordination c =
        EtcdCoordination.connect(
            EtcdCoordination.Options.of(prefix, ETCD.clientUrl())
                .withLeaseTtl(Duration.ofSeconds(5)),
            id);
    closeables.add(0, c);
    return c;
  }

  private EtcdResourceStore etcdStore() {
    EtcdResourceStore store =
        EtcdResourceStore.connect(
            EtcdStoreOptions.of(ETCD.clientUrl()).withPrefix(prefix + "/r"),
            registry,
            Clock.systemUTC());
    closeables.add(store);
    return store;
  }

  private ZoneStreamClaims claims(String replica) {
    return claims(replica, Duration.ofSeconds(30));
  }

  private ZoneStreamClaims claims(String replica, Duration lease) {
    return new ZoneStreamClaims(
        replica(replica).keys("zone-streams"), replica, Clock.systemUTC(), lease);
  }

  private ScheduledExecutorService scheduler() {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    closeables.add(scheduler::shutdownNow);
    return scheduler;
  }

  private static KdsStreamInfo stream(long id) {
    return new KdsStreamInfo("zone-1", KdsDirection.GLOBAL_TO_ZONE, KdsStreamInfo.Role.SERVING, id);
  }

  private static double refused(SimpleMeterRegistry meters) {
    return meters.find("cp_fenced_writes_refused").counters().stream()
        .mapToDouble(c -> c.count())
        .sum();
  }

  @Test
  void theReplicaThatLostTheZoneWritesNoZoneInsight() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ResourceStore store = MeteredStore.wrap(etcdStore(), meters);
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    ZoneStreamClaims a = claims("global-a");
    ZoneStreamClaims b = claims("global-b");
    ZoneInsightTracker onA =
        new ZoneInsightTracker(
            store, clock, scheduler(), Duration.ofHours(1), "global-a", a::writeFence);
    ZoneInsightTracker onB =
        new ZoneInsightTracker(
            store, clock, scheduler(), Duration.ofHours(1), "global-b", b::writeFence);
    ResourceKey key = ResourceKey.global(StandardTypes.ZONE_INSIGHT, "zone-1");

    AtomicBoolean aLost = new AtomicBoolean();
    assertThat(a.acquire("zone-1", "zone-1-x", () -> aLost.set(true)).admitted()).isTrue();
    onA.streamOpened(stream(1));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> openOf(store.get(key).join()), subs -> subs.equals(List.of("global-a")));

    // the zone moves to B; B's first write closes A's subscription, which A can no longer do
    assertThat(b.acquire("zone-1", "zone-1-x", () -> {}).admitted()).isTrue();
    await().atMost(Duration.ofSeconds(10)).untilTrue(aLost);
    clock.advance(Duration.ofSeconds(1));
    onB.streamOpened(stream(2));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> openOf(store.get(key).join()), subs -> subs.equals(List.of("global-b")));
    Resource afterB = store.get(key).join().orElseThrow();

    // A records its stream's close: refused by etcd (B holds the key), nothing changes
    clock.advance(Duration.ofSeconds(1));
    onA.streamClosed(stream(1), Status.CANCELLED);
    await().atMost(Duration.ofSeconds(10)).until(() -> refused(meters) >= 1);
    Resource now = store.get(key).join().orElseThrow();
    assertThat(now.version()).isEqualTo(afterB.version());
    assertThat(now.spec(ZoneInsightSpec.class)).isEqualTo(afterB.spec(ZoneInsightSpec.class));

    // B's own close still commits once it released the key (the key is vacant)
    onB.streamClosed(stream(2), Status.CANCELLED);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> openOf(store.get(key).join()), List::isEmpty);
  }

  @Test
  void aPausedReplicaWritesNoStaleSyncState() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ResourceStore store = MeteredStore.wrap(etcdStore(), meters);
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    KdsEnvelope envelope = new KdsEnvelope(codec);
    ZoneStreamClaims a = claims("global-a");
    ZoneStreamClaims b = claims("global-b");
    assertThat(a.acquire("zone-1", "zone-1-x", () -> {}).admitted()).isTrue();
    Fence aFence = a.fence("zone-1").orElseThrow();
    // A is paused past its lease: it never hears it lost the zone, its fence looks held to it
    Fence believer = believing(aFence);
    SyncStatus onA =
        new SyncStatus(envelope, clock, store, "global-a", scheduler(), zone -> believer);
    onA.streamOpened(stream(1));
    onA.responseSent(stream(1), sent("n1", "v1"));
    onA.flush().join();
    ResourceKey key = ZoneSyncStates.key("zone-1");
    Resource before = store.get(key).join().orElseThrow();
    assertThat(before.spec(ZoneSyncStateSpec.class).owner()).isEqualTo("global-a");

    // B serves the zone now, and has not written its state yet
    assertThat(b.acquire("zone-1", "zone-1-x", () -> {}).admitted()).isTrue();
    clock.advance(Duration.ofSeconds(1));
    onA.acked(stream(1), sent("n1", "v1"), Duration.ofMillis(5));
    onA.flush().join();

    // the meter counts when the refused write completes, possibly just after flush() did
    await().atMost(Duration.ofSeconds(10)).until(() -> refused(meters) >= 1);
    Resource now = store.get(key).join().orElseThrow();
    assertThat(now.version()).isEqualTo(before.version());
    assertThat(now.spec(ZoneSyncStateSpec.class)).isEqualTo(before.spec(ZoneSyncStateSpec.class));
  }

  private SentResponse sent(String nonce, String version) {
    return new SentResponse(
        "TrafficPermission",
        nonce,
        Map.of("default.tp-1", version),
        List.of(),
        100,
        Instant.parse("2026-01-01T00:00:00Z"));
  }

  /** The global instances with an open subscription in a stored ZoneInsight. */
  private static List<String> openOf(Optional<Resource> insight) {
    return insight
        .map(
            r ->
                r.spec(ZoneInsightSpec.class).subscriptions().stream()
                    .filter(KdsSubscription::connected)
                    .map(KdsSubscription::globalInstanceId)
                    .toList())
        .orElse(List.of());
  }

  /** {@code fence} as seen by a process that never heard it lost it. */
  private static Fence believing(Fence fence) {
    return new Fence() {
      @Override
      public String key() {
        return fence.key();
      }

      @Override
      public long revision() {
        return fence.revision();
      }

      @Override
      public boolean held() {
        return true;
      }
    };
  }

  private KdsReceived ingress(String address) {
    Resource r =
        codec.decodeOne(
            "type: ZoneIngress\nname: ingress\nnetworking:\n  address: "
                + address
                + "\n  port: 10001\n");
    return new KdsReceived(KdsEnvelope.wireName(r), "v-" + address, r);
  }

  @Test
  void theReplicaThatLostTheZoneWritesNothingForIt() {
    EtcdResourceStore store = etcdStore();
    ZoneStreamClaims a = claims("global-a", Duration.ofSeconds(5));
    ZoneStreamClaims b = claims("global-b", Duration.ofSeconds(5));
    AtomicBoolean aLost = new AtomicBoolean();

    assertThat(a.acquire("zone-1", "zone-1-x", () -> aLost.set(true)).admitted()).isTrue();
    Fence aFence = a.fence("zone-1").orElseThrow();
    ZoneSink onA = new ZoneSink("zone-1", store.fenced(aFence), registry, n -> {});
    assertThat(onA.apply("ZoneIngress", List.of(ingress("10.0.0.1")), List.of()).join()).isEmpty();
    ResourceKey key = ResourceKey.global(StandardTypes.ZONE_INGRESS, "zone-1.ingress");
    assertThat(address(store.get(key).join())).isEqualTo("10.0.0.1");

    // the same zone process reconnects through B: B takes the zone, A is told
    assertThat(b.acquire("zone-1", "zone-1-x", () -> {}).admitted()).isTrue();
    await().atMost(Duration.ofSeconds(10)).untilTrue(aLost);
    ZoneSink onB =
        new ZoneSink("zone-1", store.fenced(b.fence("zone-1").orElseThrow()), registry, n -> {});
    assertThat(onB.apply("ZoneIngress", List.of(ingress("10.0.0.2")), List.of()).join()).isEmpty();

    // A replays an old frame and a removal for the zone: nothing reaches the store
    try {
      onA.apply("ZoneIngress", List.of(ingress("10.0.0.1")), List.of()).join();
    } catch (RuntimeException refused) {
      // refused as a whole: fine, as long as nothing was written
    }
    try {
      onA.apply("ZoneIngress", List.of(), List.of("ingress")).join();
    } catch (RuntimeException refused) {
      // likewise
    }
    // and a believer that never heard it lost the zone is refused by etcd itself
    Fence believer = believing(aFence);
    ZoneSink paused = new ZoneSink("zone-1", store.fenced(believer), registry, n -> {});
    try {
      paused.apply("ZoneIngress", List.of(ingress("10.0.0.3")), List.of("ingress")).join();
    } catch (RuntimeException refused) {
      // likewise
    }
    assertThat(address(store.get(key).join())).isEqualTo("10.0.0.2");
  }

  private static String address(Optional<Resource> r) {
    return r.map(x -> x.spec(ZoneIngressSpec.class).networking().address()).orElse("absent");
  }
}

package io.meshfed.global.kds;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.meshfed.kds.KdsDirection;
import io.meshfed.kds.KdsStreamInfo;
import io.meshfed.model.Labels;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.ZoneIngressSpec;
import io.meshfed.store.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ZoneLivenessTest {
  private static final Duration GRACE = Duration.ofSeconds(30);

  /** Records timers instead of running them; {@link #fireDue} runs those due by the clock. */
  private static final class HandScheduler extends ScheduledThreadPoolExecutor {
    private record Timer(Instant due, Runnable task) {}

    private final MutableClock clock;
    private final List<Timer> timers = new ArrayList<>();

    HandScheduler(MutableClock clock) {
      super(1);
      this.clock = clock;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
      timers.add(new Timer(clock.instant().plusNanos(unit.toNanos(delay)), task));
      return super.schedule(() -> {}, 1, TimeUnit.DAYS);
    }

    void fireDue() {
      List<Timer> due = timers.stream().filter(t -> !t.due().isAfter(clock.instant())).toList();
      timers.removeAll(due);
      due.forEach(t -> t.task().run());
    }
  }

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final HandScheduler scheduler = new HandScheduler(clock);
  private final ZoneLiveness liveness = new ZoneLiveness(clock, scheduler, GRACE);
  private final AtomicInteger changes = new AtomicInteger();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  private static KdsStreamInfo stream(String zone, long id) {
    return new KdsStreamInfo(zone, KdsDirection.GLOBAL_TO_ZONE, KdsStreamInfo.Role.SERVING, id);
  }

  @Test
  void aZoneIsOfflineOnlyOnceItsLastStreamHasBeenClosedForTheGracePeriod() {
    liveness.start();
    liveness.subscribe(changes::incrementAndGet);
    liveness.streamOpened(stream("zone-1", 1));
    liveness.streamOpened(stream("zone-1", 2));
    liveness.streamClosed(stream("zone-1", 1), Status.OK);
    clock.advance(GRACE.plusSeconds(1));
    scheduler.fireDue();
    assertThat(liveness.offline("zone-1")).as("a second stream is still open").isFalse();

    liveness.streamClosed(stream("zone-1", 2), Status.UNAVAILABLE);
    clock.advance(GRACE.minusSeconds(1));
    scheduler.fireDue();
    assertThat(liveness.offline("zone-1")).isFalse();
    int before = changes.get();

    clock.advance(Duration.ofSeconds(1));
    scheduler.fireDue();
    assertThat(changes.get()).as("subscribers told when the grace ends").isGreaterThan(before);
    assertThat(liveness.offline("zone-1")).isTrue();

    before = changes.get();
    liveness.streamOpened(stream("zone-1", 3));
    assertThat(changes.get()).as("subscribers told when the zone is back").isGreaterThan(before);
    assertThat(liveness.offline("zone-1")).isFalse();
  }

  @Test
  void aZoneServedByAnotherReplicaStaysOnlineHereAndGoesOfflineAGraceAfterItsKeyGoes() {
    // replica B: zone-1's streams are on replica A, whose claim B reads from the shared keys
    liveness.start();
    liveness.subscribe(changes::incrementAndGet);
    liveness.claimed(java.util.Set.of("zone-1"));
    clock.advance(GRACE.multipliedBy(3));
    scheduler.fireDue();
    assertThat(liveness.offline("zone-1")).as("connected to replica A").isFalse();
    assertThat(liveness.offline("zone-2")).as("connected nowhere").isTrue();

    liveness.claimed(java.util.Set.of()); // replica A lost the zone
    clock.advance(GRACE.minusSeconds(1));
    scheduler.fireDue();
    assertThat(liveness.offline("zone-1")).isFalse();
    clock.advance(Duration.ofSeconds(1));
    scheduler.fireDue();
    assertThat(liveness.offline("zone-1")).isTrue();

    int before = changes.get();
    liveness.claimed(java.util.Set.of("zone-1")); // it reconnected, to either replica
    assertThat(changes.get()).as("subscribers told when the zone is back").isGreaterThan(before);
    assertThat(liveness.offline("zone-1")).isFalse();
  }

  @Test
  void aZoneThatMovedToAnotherReplicaGetsAFullGraceWhenItsKeyGoesLater() {
    liveness.start();
    liveness.streamOpened(stream("zone-1", 1));
    liveness.claimed(java.util.Set.of("zone-1"));
    liveness.streamClosed(stream("zone-1", 1), Status.ABORTED); // moved to the other replica
    liveness.claimed(java.util.Set.of("zone-1"));
    clock.advance(GRACE.multipliedBy(2));
    scheduler.fireDue();
    assertThat(liveness.offline("zone-1")).isFalse();

    liveness.claimed(java.util.Set.of()); // the other replica lost it now
    assertThat(liveness.offline("zone-1")).as("the grace starts when the key goes").isFalse();
    clock.advance(GRACE);
    scheduler.fireDue();
    assertThat(liveness.offline("zone-1")).isTrue();
  }

  @Test
  void aZoneNotConnectedSinceStartIsOfflineAfterTheGraceFromStart() {
    liveness.start();
    liveness.subscribe(changes::incrementAndGet);
    assertThat(liveness.offline("zone-2")).isFalse();
    clock.advance(GRACE);
    scheduler.fireDue();
    assertThat(changes.get()).isEqualTo(1);
    assertThat(liveness.offline("zone-2")).isTrue();
  }

  @Test
  void aTimerThatFiresEarlyByTheClockWaitsAgain() {
    liveness.start();
    liveness.subscribe(changes::incrementAndGet);
    clock.advance(GRACE.minusMillis(10));
    scheduler.timers.replaceAll(t -> new HandScheduler.Timer(clock.instant(), t.task()));
    scheduler.fireDue();
    assertThat(changes.get()).isZero();
    assertThat(scheduler.timers).hasSize(1);
    clock.advance(Duration.ofMillis(10));
    scheduler.fireDue();
    assertThat(changes.get()).isEqualTo(1);
  }

  @Test
  void otherStreamsAreIgnored() {
    liveness.start();
    liveness.streamOpened(
        new KdsStreamInfo("zone-1", KdsDirection.ZONE_TO_GLOBAL, KdsStreamInfo.Role.REQUESTING, 1));
    clock.advance(GRACE);
    assertThat(liveness.offline("zone-1")).isTrue();
  }

  @Test
  void theCopiesOfAnOfflineZoneAreLabelledAndOnlineOnesNever() {
    Resource ingress =
        new Resource(
            ResourceKey.global(StandardTypes.ZONE_INGRESS, "zone-1.ingress"),
            Meta.withLabels(Map.of(Tags.ZONE, "zone-1")),
            new ZoneIngressSpec("zone-1", null, List.of()));
    Resource marked = GlobalSources.markOffline(ingress, true);
    assertThat(marked.labels()).containsEntry(Labels.ZONE_OFFLINE, "true");
    assertThat(GlobalSources.markOffline(marked, false).labels()).containsOnlyKeys(Tags.ZONE);
    assertThat(GlobalSources.markOffline(ingress, false)).isSameAs(ingress);
  }
}

package io.meshfed.global.kds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.kds.KdsDirection;
import io.meshfed.kds.KdsStreamInfo;
import io.meshfed.kds.KdsStreamListener.SentResponse;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.ZoneInsightSpec;
import io.meshfed.store.MutableClock;
import io.meshfed.store.memory.MemoryResourceStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ZoneInsightTrackerTest {
  private final MemoryResourceStore store = new MemoryResourceStore();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  // not started: the test calls tick() itself
  private final ZoneInsightTracker tracker =
      new ZoneInsightTracker(
          store, clock, scheduler, Duration.ofSeconds(1), "global-1", zone -> null);

  @AfterEach
  void close() {
    tracker.close();
    scheduler.shutdownNow();
    store.close();
  }

  @Test
  void eachZonesCountersAreWrittenAtItsOwnTickOfTheInterval() {
    List<String> zones = List.of("zone-1", "zone-2", "zone-3");
    for (int i = 0; i < zones.size(); i++) {
      tracker.streamOpened(stream(zones.get(i), i + 1));
    }
    // the openings are written at once
    await().atMost(Duration.ofSeconds(10)).until(() -> zones.stream().allMatch(z -> sent(z) == 0L));
    for (int i = 0; i < zones.size(); i++) {
      tracker.responseSent(stream(zones.get(i), i + 1), response());
    }

    tracker.tick().join();
    assertThat(List.of(sent("zone-1"), sent("zone-2"), sent("zone-3")))
        .as("the first tick writes the first zone's counters only")
        .containsExactly(1L, 0L, 0L);

    tracker.tick().join();
    assertThat(List.of(sent("zone-1"), sent("zone-2"), sent("zone-3")))
        .as("the second tick is the second zone's")
        .containsExactly(1L, 1L, 0L);

    for (int t = 2; t < ZoneInsightTracker.SLOTS; t++) {
      tracker.tick().join();
    }
    assertThat(sent("zone-3")).as("every zone is written within one interval").isEqualTo(1L);
  }

  /** Responses sent on the zone's stored open subscription; -1 while nothing is stored. */
  private long sent(String zone) {
    return store
        .get(ResourceKey.global(StandardTypes.ZONE_INSIGHT, zone))
        .join()
        .map(r -> r.spec(ZoneInsightSpec.class).subscriptions())
        .filter(subs -> subs.size() == 1)
        .map(subs -> subs.get(0).status().total().responsesSent())
        .map(n -> n == null ? 0L : n)
        .orElse(-1L);
  }

  private static KdsStreamInfo stream(String zone, long id) {
    return new KdsStreamInfo(zone, KdsDirection.GLOBAL_TO_ZONE, KdsStreamInfo.Role.SERVING, id);
  }

  private SentResponse response() {
    return new SentResponse(
        StandardTypes.TRAFFIC_PERMISSION,
        "n-1",
        Map.of("default/tp-1", "v1"),
        List.of(),
        100,
        clock.instant());
  }
}

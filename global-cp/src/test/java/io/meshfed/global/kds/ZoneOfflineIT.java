package io.meshfed.global.kds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.kds.KdsClientSession;
import io.meshfed.model.Labels;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.FreePorts;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A zone whose KDS stream is gone for longer than {@code zone-offline-grace}: the other zones keep
 * its ingress, marked offline, and see the mark go when it reconnects. Global over real gRPC on
 * loopback, stand-in zones.
 */
class ZoneOfflineIT {
  private static final Duration GRACE = Duration.ofSeconds(2);
  private static final ResourceKey COPY =
      ResourceKey.global(StandardTypes.ZONE_INGRESS, "zone-1.ingress");

  private MemoryResourceStore store;
  private GlobalControlPlane global;
  private FakeZone z1;
  private FakeZone z2;

  @BeforeEach
  void start() {
    store = new MemoryResourceStore();
    List<Integer> ports = FreePorts.several(2);
    GlobalConfig config =
        GlobalConfig.load(
            Map.of(
                "api-port",
                ports.get(0).toString(),
                "kds-port",
                ports.get(1).toString(),
                "api-address",
                "127.0.0.1",
                "zone-offline-grace",
                GRACE.toSeconds() + "s"),
            Map.of(),
            null);
    KdsServerOptions options =
        KdsServerOptions.defaults()
            .withBindAddress("127.0.0.1")
            .withInterceptor(new FakeZone.TestAuth())
            .withZoneVersionKey(FakeZone.VERSION_KEY)
            .withSettings(FakeZone.SETTINGS)
            .withInsightFlushInterval(Duration.ofMillis(100));
    global = new GlobalControlPlane(config, store, Clock.systemUTC(), options).start();
    z1 = new FakeZone("zone-1", global.kdsPort(), null);
    z2 = new FakeZone("zone-2", global.kdsPort(), null);
  }

  @AfterEach
  void stop() throws Exception {
    z1.close();
    z2.close();
    global.close();
  }

  private static boolean markedOffline(Optional<Resource> r) {
    return r.isPresent() && Labels.zoneOffline(r.get());
  }

  @Test
  void anIngressOfAZoneGoneLongerThanTheGraceIsKeptMarkedOfflineAndUnmarkedWhenItIsBack() {
    KdsClientSession s1 = z1.connect();
    try (KdsClientSession s2 = z2.connect()) {
      z1.put(GlobalKdsIT.INGRESS);
      await().untilAsserted(() -> assertThat(z2.get(COPY)).isPresent());
      assertThat(markedOffline(z2.get(COPY))).isFalse();

      s1.close();
      long closedAt = System.nanoTime();
      await()
          .atMost(GRACE.plusSeconds(5))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> markedOffline(z2.get(COPY)));
      Duration markedAfter = Duration.ofNanos(System.nanoTime() - closedAt);
      assertThat(markedAfter)
          .as("marked offline only after the grace")
          .isGreaterThanOrEqualTo(GRACE);
      // global keeps the zone's ingress too
      assertThat(store.get(COPY).join()).isPresent();
      assertThat(Labels.zoneOffline(store.get(COPY).join().get())).isFalse();

      try (KdsClientSession again = z1.connect()) {
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () -> {
                  assertThat(z2.get(COPY)).isPresent();
                  assertThat(markedOffline(z2.get(COPY))).isFalse();
                });
      }
    }
  }

  @Test
  void aShortDisconnectWithinTheGraceMarksNothing() {
    KdsClientSession s1 = z1.connect();
    try (KdsClientSession s2 = z2.connect()) {
      z1.put(GlobalKdsIT.INGRESS);
      await().untilAsserted(() -> assertThat(z2.get(COPY)).isPresent());
      s1.close();
      try (KdsClientSession again = z1.connect()) {
        // past the grace of the first disconnect, counted from it
        await()
            .during(GRACE.plusMillis(1500))
            .atMost(GRACE.plusSeconds(5))
            .until(() -> z2.get(COPY).isPresent() && !markedOffline(z2.get(COPY)));
      }
    }
  }
}

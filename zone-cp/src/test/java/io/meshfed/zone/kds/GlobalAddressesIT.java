package io.meshfed.zone.kds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.kds.KdsSettings;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.TcpProxy;
import io.meshfed.zone.ZoneConfig;
import io.meshfed.zone.ZoneControlPlane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A zone given several global addresses (global replicas), against a fake global over TLS on
 * loopback: it connects through the one that answers, and when the one it is connected to goes away
 * it moves to the next at once, well within the reconnect back-off.
 */
class GlobalAddressesIT {
  private static final Logger log = LoggerFactory.getLogger(GlobalAddressesIT.class);
  private static final String TOKEN = "zone-1-token.abc";
  private static final Duration BACKOFF_BASE = Duration.ofSeconds(5);
  private static final String TP_YAML =
      "type: TrafficPermission\nmesh: default\nname: %s\nsources:\n- match:\n"
          + "    kuma.io/service: '*'\ndestinations:\n- match:\n    kuma.io/service: '*'\n";

  @TempDir Path dir;
  private final ResourceCodec codec = new ResourceCodec(StandardTypes.registry());
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final MemoryResourceStore globalStore = new MemoryResourceStore();
  private final MemoryResourceStore zoneStore = new MemoryResourceStore();
  private final TestPki pki = TestPki.create("meshfed test KDS CA");

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    globalStore.close();
  }

  private int global() throws Exception {
    int port = FreePorts.one();
    FakeGlobal g = new FakeGlobal(globalStore, pki, port, TOKEN).start();
    closeables.add(g);
    return port;
  }

  /** A zone dialling {@code ports} in this order, with a 5 s reconnect back-off. */
  private ZoneControlPlane zone(int... ports) throws Exception {
    List<String> addresses = new ArrayList<>();
    for (int p : ports) {
      addresses.add("grpcs://127.0.0.1:" + p);
    }
    ZoneConfig config =
        ZoneConfig.load(
            Map.of(
                "zone",
                "zone-1",
                "global-address",
                String.join(",", addresses),
                "zone-token-file",
                Files.writeString(dir.resolve("zone.token"), TOKEN).toString(),
                "ca-file",
                pki.writeCa(dir.resolve("kds-ca.crt")).toString(),
                "api-port",
                "0",
                "xds-port",
                "0"),
            Map.of(),
            null);
    KdsClientOptions options =
        KdsClientOptions.defaults()
            .withSettings(KdsSettings.defaults().withCoalesceDelay(Duration.ofMillis(10)))
            .withReconnect(BACKOFF_BASE, Duration.ofSeconds(20));
    ZoneControlPlane cp = new ZoneControlPlane(config, zoneStore, Clock.systemUTC(), options);
    closeables.add(cp);
    return cp.start();
  }

  private void putOnGlobal(String yaml) {
    globalStore.create(codec.decodeOne(yaml)).join();
  }

  private boolean inZone(String tp) {
    return zoneStore
        .get(ResourceKey.inMesh(StandardTypes.TRAFFIC_PERMISSION, "default", tp))
        .join()
        .isPresent();
  }

  @Test
  void aFirstAddressWhereNothingListensIsPassedAtOnce() throws Exception {
    int dead = FreePorts.one();
    int live = global();
    putOnGlobal("type: Mesh\nname: default\n");
    putOnGlobal(String.format(TP_YAML, "tp-1"));
    ZoneControlPlane zone = zone(dead, live);
    long started = System.nanoTime();

    await()
        .atMost(BACKOFF_BASE)
        .pollInterval(Duration.ofMillis(50))
        .until(() -> zone.globalConnection().connected());
    log.info(
        "HA-FIGURE zone-global-first-dead-connect-ms={}",
        Duration.ofNanos(System.nanoTime() - started).toMillis());
    GlobalConnectionStatus s = zone.globalConnection();
    assertThat(s.globalAddress()).isEqualTo("grpcs://127.0.0.1:" + live);
    assertThat(s.attempts()).isEqualTo(2);
    await().atMost(Duration.ofSeconds(10)).until(() -> inZone("tp-1"));
  }

  @Test
  void whenTheGlobalItIsConnectedToGoesAwayTheZoneMovesToTheNextWithinTheBackoff()
      throws Exception {
    int port = global();
    putOnGlobal("type: Mesh\nname: default\n");
    putOnGlobal(String.format(TP_YAML, "tp-1"));
    // the first "replica" is reached through a proxy that the test closes (a global that died);
    // the second is the same global dialled directly (a second replica over the same store)
    TcpProxy first = TcpProxy.to(port);
    closeables.add(first);
    ZoneControlPlane zone = zone(first.port(), port);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> zone.globalConnection().connected() && inZone("tp-1"));
    assertThat(zone.globalConnection().globalAddress())
        .isEqualTo("grpcs://127.0.0.1:" + first.port());
    long killed = System.nanoTime();

    first.close();

    await()
        .atMost(BACKOFF_BASE)
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              GlobalConnectionStatus s = zone.globalConnection();
              return s.connected() && s.globalAddress().equals("grpcs://127.0.0.1:" + port);
            });
    long switchMs = Duration.ofNanos(System.nanoTime() - killed).toMillis();
    log.info("HA-FIGURE zone-global-switch-ms={}", switchMs);
    assertThat(switchMs).isLessThan(BACKOFF_BASE.toMillis());

    putOnGlobal(String.format(TP_YAML, "tp-2"));
    await().atMost(Duration.ofSeconds(10)).until(() -> inZone("tp-2"));
    assertThat(inZone("tp-1")).as("nothing is removed on the switch").isTrue();
  }

  @Test
  void afterAFullRoundOfFailuresItWaitsTheBackoffThenTriesEveryAddressAgain() throws Exception {
    int a = FreePorts.one();
    int b = FreePorts.one();
    ZoneControlPlane zone = zone(a, b);

    // both tried at once (the first dial of a JVM takes a moment), then the back-off (at least
    // half its 5 s base) before the next round
    await()
        .atMost(BACKOFF_BASE)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> zone.globalConnection().attempts() == 2);
    assertThat(zone.globalConnection().globalAddress()).isEqualTo("grpcs://127.0.0.1:" + b);
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(3))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> zone.globalConnection().attempts() == 2);
    // the next round: both again, back to back, ending on the second; then a longer wait
    await()
        .atMost(BACKOFF_BASE.plusSeconds(2))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> zone.globalConnection().attempts() == 4);
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(3))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> zone.globalConnection().attempts() == 4);
    assertThat(zone.globalConnection().globalAddress()).isEqualTo("grpcs://127.0.0.1:" + b);
    assertThat(zone.globalConnection().connected()).isFalse();
  }
}

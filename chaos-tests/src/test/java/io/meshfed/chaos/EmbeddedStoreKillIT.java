package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default store (embedded, under {@code --data-dir}) across kill -9: a global killed in the
 * middle of writes has, after a restart on the same directory, every write it acknowledged; a zone
 * killed and restarted keeps its dataplanes and its ingress, which stay on global and in the other
 * zone.
 */
class EmbeddedStoreKillIT {
  static final Duration SYNC = Duration.ofSeconds(45);
  static final int WRITERS = 4;
  static final int WRITES_PER_WRITER = 400;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  Federation f;

  @RegisterExtension final LogsOnFailure logsOnFailure = new LogsOnFailure(() -> f);

  @AfterEach
  void stop() throws Exception {
    if (f != null) {
      f.close();
    }
  }

  static final String MESH = "type: Mesh\nname: default\n";

  static String dataplane(String name, int port) {
    return "type: Dataplane\nmesh: default\nname: "
        + name
        + "\nnetworking:\n  address: 127.0.0.1\n  inbound:\n  - port: "
        + port
        + "\n    servicePort: 8000\n    tags:\n      kuma.io/service: backend\n";
  }

  static final String INGRESS =
      """
      type: ZoneIngress
      name: ingress-1
      networking:
        address: 127.0.0.1
        port: 10001
        advertisedAddress: 127.0.0.1
        advertisedPort: 10001
      """;

  @Test
  void everyWriteGlobalAcknowledgedSurvivesAKillNineMidWrites() throws Exception {
    f = new Federation(dir).startGlobal();
    f.apply(f.global.api, "/meshes/default", MESH);

    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
    List<Future<?>> running = new ArrayList<>();
    try {
      for (int w = 0; w < WRITERS; w++) {
        int writer = w;
        running.add(
            writers.submit(
                () -> {
                  for (int i = 0; i < WRITES_PER_WRITER; i++) {
                    String name = "w" + writer + "-" + i;
                    HttpResponse<String> r;
                    try {
                      r =
                          f.put(
                              f.global.api,
                              "/meshes/default/traffic-permissions/" + name,
                              FailureIT.permission(name, "svc-" + name));
                    } catch (UncheckedIOException killed) {
                      return; // the process is gone: this write was never acknowledged
                    }
                    if (r.statusCode() / 100 == 2) {
                      acknowledged.add(name);
                    }
                  }
                }));
      }
      await("writes under way").atMost(SYNC).until(() -> acknowledged.size() >= 100);
      f.killGlobal();
      for (Future<?> done : running) {
        done.get(60, TimeUnit.SECONDS);
      }
    } finally {
      writers.shutdownNow();
    }
    int atKill = acknowledged.size();
    assertThat(atKill)
        .as("killed in the middle of the writes")
        .isLessThan(WRITERS * WRITES_PER_WRITER);

    f.restartGlobal();

    TreeSet<String> stored =
        new TreeSet<>(f.names(f.global.api, "/meshes/default/traffic-permissions"));
    assertThat(stored).containsAll(acknowledged);
    assertThat(f.get(f.global.api, "/meshes/default")).isNotNull();
    // and it goes on taking writes
    f.apply(
        f.global.api,
        "/meshes/default/traffic-permissions/after",
        FailureIT.permission("after", "x"));
  }

  @Test
  void aZoneKilledAndRestartedKeepsItsDataplanesOnGlobalAndItsIngressInTheOtherZone()
      throws Exception {
    f = new Federation(dir).startGlobal();
    f.apply(f.global.api, "/meshes/default", MESH);
    List<Federation.Node> pair = f.startZones("zone-1", "zone-2");
    Federation.Node zone1 = pair.get(0);
    Federation.Node zone2 = pair.get(1);
    List<String> local = new ArrayList<>();
    List<String> onGlobal = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      f.apply(
          zone1.api,
          "/meshes/default/dataplanes/backend-" + i,
          dataplane("backend-" + i, 18000 + i));
      local.add("backend-" + i);
      onGlobal.add("zone-1.backend-" + i);
    }
    f.apply(zone1.api, "/zone-ingresses/ingress-1", INGRESS);
    await("zone-1's dataplanes on global")
        .atMost(SYNC)
        .until(() -> f.names(f.global.api, "/meshes/default/dataplanes").containsAll(onGlobal));
    await("zone-1's ingress in zone-2")
        .atMost(SYNC)
        .until(() -> f.names(zone2.api, "/zone-ingresses").contains("zone-1.ingress-1"));

    zone1.process.kill();
    f.restart(zone1);

    assertThat(f.names(zone1.api, "/meshes/default/dataplanes")).containsAll(local);
    assertThat(f.names(zone1.api, "/zone-ingresses")).contains("ingress-1");
    await("zone-1 reconnected")
        .atMost(SYNC)
        .until(() -> f.get(zone1.api, "/status/global").path("connected").asBoolean());
    // once zone-1 has synced again, global and zone-2 still have everything it reported
    await()
        .during(Duration.ofSeconds(8))
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                f.names(f.global.api, "/meshes/default/dataplanes").containsAll(onGlobal)
                    && f.names(zone2.api, "/zone-ingresses").contains("zone-1.ingress-1"));
  }
}

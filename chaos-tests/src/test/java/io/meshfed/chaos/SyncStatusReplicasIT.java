package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.MeshfedProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two global replicas on one etcd and a zone connected to the first: the per-resource {@code _sync}
 * status and the zone overview's {@code kdsAcks} are the same on both replicas (the second holds no
 * stream of the zone), and still right after the first is killed (-9) and restarted, although the
 * zone, resuming, gets nothing sent again.
 */
@Timeout(300)
class SyncStatusReplicasIT {
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final String MESH = "type: Mesh\nname: default\n";
  private static final String PERMISSION =
      """
      type: TrafficPermission
      mesh: default
      name: %s
      sources:
      - match:
          kuma.io/service: '*'
      destinations:
      - match:
          kuma.io/service: backend
      """;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  private Federation f;
  private MeshfedProcess second;

  @RegisterExtension final LogsOnFailure logs = new LogsOnFailure(() -> f);

  @AfterEach
  void stop() throws Exception {
    if (second != null) {
      second.close();
    }
    if (f != null) {
      f.close();
    }
  }

  /**
   * Another global on the same etcd, KDS certificate and secrets key, with its own ports and data
   * directory.
   */
  private String startSecondGlobal() {
    List<String> args = new ArrayList<>(f.global.args);
    int api = FreePorts.one();
    replace(args, "--api-port", String.valueOf(api));
    replace(args, "--kds-port", String.valueOf(FreePorts.one()));
    replace(args, "--mads-port", String.valueOf(FreePorts.one()));
    replace(args, "--data-dir", dir.resolve("global-b-data").toString());
    // replicas share the store, so they share the key its secrets are encrypted with
    args.addAll(List.of("--secrets-key-file", f.globalDataDir().resolve("secrets.key").toString()));
    String url = "http://127.0.0.1:" + api;
    second =
        MeshfedProcess.start(
                dir.resolve("global-b.log"),
                MeshfedProcess.DEFAULT_JVM_OPTIONS,
                args.toArray(String[]::new))
            .awaitReady(url, CONVERGE);
    return url;
  }

  private static void replace(List<String> args, String flag, String value) {
    int i = args.indexOf(flag);
    assertThat(i).as("%s in %s", flag, args).isNotNegative();
    args.set(i + 1, value);
  }

  private JsonNode syncZones(String api, String name) {
    JsonNode sync = f.get(api, "/meshes/default/traffic-permissions/" + name + "/_sync");
    assertThat(sync).as("_sync of %s on %s", name, api).isNotNull();
    return sync;
  }

  /** The {@code _sync} answer, asserting zone-1 holds the current version. */
  private JsonNode ackedOn(String api, String name) {
    JsonNode sync = syncZones(api, name);
    JsonNode zones = sync.get("zones");
    assertThat(zones).as("%s on %s: %s", name, api, sync).hasSize(1);
    assertThat(zones.get(0).get("zone").asText()).isEqualTo("zone-1");
    assertThat(zones.get(0).get("state").asText()).as("%s", sync).isEqualTo("acked");
    assertThat(zones.get(0).get("upToDate").asBoolean()).as("%s", sync).isTrue();
    return sync;
  }

  private JsonNode kdsAcks(String api) {
    return f.get(api, "/zones+insights/zone-1").get("kdsAcks");
  }

  @Test
  void everyReplicaAnswersTheSameSyncStatusAndAfterARestart() throws Exception {
    f = new Federation(dir).withEtcd().withTlsFiles().startGlobal();
    String a = f.global.api;
    String b = startSecondGlobal();
    f.apply(a, "/meshes/default", MESH);
    f.startZone("zone-1");
    f.apply(a, "/meshes/default/traffic-permissions/on-a", PERMISSION.formatted("on-a"));
    // written on the replica without the zone's stream: reaches the zone through the store
    f.apply(b, "/meshes/default/traffic-permissions/on-b", PERMISSION.formatted("on-b"));

    await("_sync equal on both replicas")
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              for (String name : List.of("on-a", "on-b")) {
                assertThat(ackedOn(b, name)).isEqualTo(ackedOn(a, name));
              }
            });
    await("zone overview kdsAcks equal on both replicas")
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              JsonNode onA = kdsAcks(a);
              assertThat(onA.has("TrafficPermission"))
                  .as("kdsAcks on the serving replica: %s", onA)
                  .isTrue();
              assertThat(kdsAcks(b)).isEqualTo(onA);
            });

    f.killGlobal();
    f.restartGlobal();
    long ready = System.nanoTime();
    String restarted = f.get(a, "/").get("instanceId").asText();
    await("zone-1 back on the restarted replica")
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () ->
                assertThat(f.get(a, "/zones+insights/zone-1").get("zoneInsight").toString())
                    .contains("\"globalInstanceId\":\"" + restarted + "\""));
    // the zone resumed: nothing was sent again, the restarted replica knows from what it holds
    await("_sync right on the restarted replica and on the other one")
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () -> {
              for (String name : List.of("on-a", "on-b")) {
                assertThat(ackedOn(b, name)).isEqualTo(ackedOn(a, name));
              }
            });
    System.out.println(
        "HA-FIGURE sync-status-right-after-global-restart-ms="
            + Duration.ofNanos(System.nanoTime() - ready).toMillis());
    assertThat(kdsAcks(b)).isEqualTo(kdsAcks(a));
  }
}

package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.testing.TcpProxy;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A zone reports ready only once it holds global's state: not before its first sync, so that a
 * dataplane registered right after {@code /ready} finds its mesh; at once after a restart on a
 * store that synced before, even while global cannot be reached.
 */
class ZoneReadinessIT {
  static final Duration SYNC = Duration.ofSeconds(60);

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  Federation f;
  TcpProxy proxy;

  @RegisterExtension final LogsOnFailure logsOnFailure = new LogsOnFailure(() -> f);

  @AfterEach
  void stop() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    if (f != null) {
      f.close();
    }
  }

  /** The 20 written below and the mesh's default {@code allow-all-default}. */
  private static final int PERMISSIONS = 21;

  @Test
  void readyOnlyAfterTheFirstSyncThenADataplaneIsAcceptedAtOnce() throws Exception {
    // The zone dials again within 2 s once global is reachable (default: after 5 s..1 min).
    f =
        new Federation(dir)
            .withZoneReconnect(Duration.ofMillis(200), Duration.ofSeconds(2))
            .startGlobal();
    f.apply(f.global.api, "/meshes/default", EmbeddedStoreKillIT.MESH);
    for (int i = 0; i < 20; i++) {
      f.apply(
          f.global.api,
          "/meshes/default/traffic-permissions/p-" + i,
          FailureIT.permission("p-" + i, "s-" + i));
    }
    proxy = TcpProxy.to(f.kdsPort);
    proxy.mode(TcpProxy.Mode.REFUSE);
    Federation.Node zone1 = f.startZone("zone-1", f.token("zone-1"), proxy.port(), false);

    await("zone-1 tried global and failed")
        .ignoreExceptions()
        .atMost(SYNC)
        .until(
            () -> {
              JsonNode s = f.get(zone1.api, "/status/global");
              return s.path("attempts").asInt() >= 1 && !s.path("lastError").isNull();
            });
    assertThat(f.getRaw(zone1.api, "/ready").statusCode()).isEqualTo(503);
    assertThat(f.get(zone1.api, "/status/global").path("firstSyncDone").asBoolean()).isFalse();

    proxy.mode(TcpProxy.Mode.FORWARD);
    zone1.process.awaitReady(zone1.api);
    HttpResponse<String> dp =
        f.put(
            zone1.api,
            "/meshes/default/dataplanes/web-1",
            EmbeddedStoreKillIT.dataplane("web-1", 18080));
    assertThat(dp.statusCode()).as(dp.body()).isIn(200, 201);
    assertThat(f.names(zone1.api, "/meshes/default/traffic-permissions")).hasSize(PERMISSIONS);
    await("web-1 on global")
        .atMost(SYNC)
        .until(() -> f.get(f.global.api, "/meshes/default/dataplanes/zone-1.web-1") != null);

    // Restarted on its store while global is unreachable: it holds global's state, so it is ready.
    zone1.process.kill();
    proxy.mode(TcpProxy.Mode.REFUSE);
    proxy.cutAll();
    f.restart(zone1);
    assertThat(f.get(zone1.api, "/status/global").path("connected").asBoolean()).isFalse();
    assertThat(f.get(zone1.api, "/meshes/default/dataplanes/web-1")).isNotNull();
    assertThat(f.names(zone1.api, "/meshes/default/traffic-permissions")).hasSize(PERMISSIONS);
  }
}

package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.testing.TcpProxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failures across real processes: restarts, a wiped global, cut and silent streams, a resource one
 * zone rejects, an oversized resource.
 */
class FailureIT {
  static final Duration SYNC = Duration.ofSeconds(45);

  @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
  Path dir;

  Federation f;

  @org.junit.jupiter.api.extension.RegisterExtension
  final LogsOnFailure logsOnFailure = new LogsOnFailure(() -> f);

  final List<TcpProxy> proxies = new ArrayList<>();

  /** Zones dial a lost or refusing global again within 2 s instead of Kuma's 5 s..1 min. */
  Federation federation() {
    return new Federation(dir).withZoneReconnect(Duration.ofMillis(200), Duration.ofSeconds(2));
  }

  @AfterEach
  void stop() throws Exception {
    proxies.forEach(TcpProxy::close);
    if (f != null) {
      f.close();
    }
  }

  static String permission(String name, String service) {
    return "type: TrafficPermission\nname: "
        + name
        + "\nmesh: default\nsources: [{match: {kuma.io/service: "
        + service
        + "}}]\ndestinations: [{match: {kuma.io/service: '*'}}]\n";
  }

  void applyMeshAndPermissions(int count, String prefix) throws Exception {
    // Without the mesh's default policies, so the permissions counted are the ones written here.
    f.apply(
        f.global.api,
        "/meshes/default",
        "type: Mesh\nname: default\nskipCreatingInitialPolicies: ['*']\n");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> all = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        String name = prefix + i;
        all.add(
            pool.submit(
                () ->
                    f.apply(
                        f.global.api,
                        "/meshes/default/traffic-permissions/" + name,
                        permission(name, "svc-" + name))));
      }
      for (Future<?> done : all) {
        done.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  TreeSet<String> permissions(String api) {
    return new TreeSet<>(f.names(api, "/meshes/default/traffic-permissions"));
  }

  boolean connected(Federation.Node zone) {
    return f.get(zone.api, "/status/global").path("connected").asBoolean();
  }

  @Test
  void zonesKeepServingWhileGlobalIsDownThenConvergeAfterItsRestart() throws Exception {
    f = federation().withEtcd().startGlobal();
    List<Federation.Node> pair = f.startZones("zone-1", "zone-2");
    Federation.Node zone1 = pair.get(0);
    Federation.Node zone2 = pair.get(1);
    applyMeshAndPermissions(20, "p-");
    TreeSet<String> expected = permissions(f.global.api);
    for (Federation.Node z : List.of(zone1, zone2)) {
      await().atMost(SYNC).until(() -> permissions(z.api).equals(expected));
    }

    f.killGlobal();
    await("zones notice").atMost(SYNC).until(() -> !connected(zone1) && !connected(zone2));
    // Meanwhile the zones keep everything they had and keep serving it.
    await()
        .during(Duration.ofSeconds(5))
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                permissions(zone1.api).equals(expected) && permissions(zone2.api).equals(expected));

    f.restartGlobal();
    f.apply(f.global.api, "/meshes/default/traffic-permissions/after", permission("after", "x"));
    assertThat(f.delete(f.global.api, "/meshes/default/traffic-permissions/p-0").statusCode())
        .isEqualTo(200);
    TreeSet<String> now = permissions(f.global.api);
    for (Federation.Node z : List.of(zone1, zone2)) {
      await("converged after global restart: " + z.name)
          .atMost(SYNC)
          .until(() -> permissions(z.api).equals(now));
    }
  }

  @Test
  void aGlobalStartedOnAnEmptyStoreNeverWipesAZone() throws Exception {
    f = federation().withTlsFiles().withGlobalArgs("--store", "memory").startGlobal();
    Path token = f.token("zone-1");
    Federation.Node zone1 = f.startZone("zone-1", token, f.kdsPort);
    applyMeshAndPermissions(10, "old-");
    TreeSet<String> old = permissions(f.global.api);
    await().atMost(SYNC).until(() -> permissions(zone1.api).equals(old));

    // Global comes back on an empty (memory) store: same address and certificate, nothing else.
    f.killGlobal();
    f.restartGlobal();
    assertThat(permissions(f.global.api)).isEmpty();
    // The operator issues a new token (the old signing key went with the store).
    Files.writeString(token, Files.readString(f.token("zone-1")));
    await("zone-1 reconnects to the new global").atMost(SYNC).until(() -> connected(zone1));

    // The empty global asks for nothing to be kept, but the zone keeps what the old one sent.
    await()
        .during(Duration.ofSeconds(5))
        .atMost(Duration.ofSeconds(10))
        .until(() -> permissions(zone1.api).containsAll(old));
    // New policies from the new global still arrive.
    f.apply(f.global.api, "/meshes/default", "type: Mesh\nname: default\n");
    f.apply(f.global.api, "/meshes/default/traffic-permissions/new-1", permission("new-1", "y"));
    await().atMost(SYNC).until(() -> permissions(zone1.api).contains("new-1"));
    assertThat(permissions(zone1.api)).containsAll(old);
  }

  @Test
  void aRestartedZoneResyncsAndTheOtherZoneIsUndisturbed() throws Exception {
    f = federation().startGlobal();
    List<Federation.Node> pair = f.startZones("zone-1", "zone-2");
    Federation.Node zone1 = pair.get(0);
    Federation.Node zone2 = pair.get(1);
    applyMeshAndPermissions(15, "p-");
    TreeSet<String> expected = permissions(f.global.api);
    await().atMost(SYNC).until(() -> permissions(zone2.api).equals(expected));

    zone1.process.kill();
    await("zone-1 offline on global").atMost(SYNC).until(() -> !zoneActive("zone-1"));
    f.apply(
        f.global.api,
        "/meshes/default/traffic-permissions/while-down",
        permission("while-down", "z"));

    f.restart(zone1);
    TreeSet<String> now = permissions(f.global.api);
    await("zone-1 resynced").atMost(SYNC).until(() -> permissions(zone1.api).equals(now));
    await("zone-1 online again").atMost(SYNC).until(() -> zoneActive("zone-1"));
    assertThat(permissions(zone2.api)).isEqualTo(now);
    assertThat(zoneActive("zone-2")).isTrue();
  }

  boolean zoneActive(String zone) {
    for (JsonNode z : f.get(f.global.api, "/status/zones")) {
      if (z.path("name").asText().equals(zone)) {
        return z.path("active").asBoolean();
      }
    }
    return false;
  }

  @Test
  void aStreamCutMidSyncConvergesToExactlyGlobalsState() throws Exception {
    f = federation().withGlobalArgs("--kds-max-response-bytes", "8192").startGlobal();
    applyMeshAndPermissions(1500, "bulk-");
    TcpProxy proxy = TcpProxy.to(f.kdsPort);
    proxies.add(proxy);
    Federation.Node zone1 = f.startZone("zone-1", f.token("zone-1"), proxy.port());
    await("part of the sync arrived").atMost(SYNC).until(() -> !permissions(zone1.api).isEmpty());
    int before = permissions(zone1.api).size();
    proxy.cutAll();
    // Changes while the stream is down.
    f.apply(f.global.api, "/meshes/default/traffic-permissions/late", permission("late", "l"));
    assertThat(f.delete(f.global.api, "/meshes/default/traffic-permissions/bulk-7").statusCode())
        .isEqualTo(200);

    TreeSet<String> expected = permissions(f.global.api);
    await("converged after the cut (had " + before + " of 1500 at the cut)")
        .atMost(SYNC)
        .until(() -> permissions(zone1.api).equals(expected));
  }

  @Test
  void aSilentStreamIsDetectedAndTheZoneReconnects() throws Exception {
    // Heartbeat every 1 s, silent for 4 s is dead (Kuma-like defaults are 5 s / 15 s): the bound
    // below is shorter than the default timeout, so it also shows the settings take effect.
    f = federation().withKdsHeartbeat(Duration.ofSeconds(1), Duration.ofSeconds(4)).startGlobal();
    TcpProxy proxy = TcpProxy.to(f.kdsPort);
    proxies.add(proxy);
    Federation.Node zone1 = f.startZone("zone-1", f.token("zone-1"), proxy.port());
    await().atMost(SYNC).until(() -> connected(zone1));

    proxy.mode(TcpProxy.Mode.BLACKHOLE);
    await("the silent stream is closed (heartbeat timeout)")
        .atMost(Duration.ofSeconds(14))
        .until(() -> !connected(zone1));
    proxy.cutAll();
    proxy.mode(TcpProxy.Mode.FORWARD);
    await("reconnected").atMost(Duration.ofSeconds(90)).until(() -> connected(zone1));
    f.apply(f.global.api, "/meshes/default", "type: Mesh\nname: default\n");
    await().atMost(SYNC).until(() -> f.get(zone1.api, "/meshes/default") != null);
  }

  @Test
  void aResourceOneZoneRejectsDoesNotBlockTheOthers() throws Exception {
    f = federation().startGlobal();
    List<Federation.Node> pair = f.startZones("zone-1", "zone-2");
    Federation.Node zone1 = pair.get(0);
    Federation.Node zone2 = pair.get(1);
    String ingress =
        "type: ZoneIngress\nname: %s\nnetworking: {address: 127.0.0.1, port: 10001,"
            + " advertisedAddress: 127.0.0.1, advertisedPort: 10001}\n";
    // zone-2 already holds a local ingress under the name zone-1's ingress gets on global.
    f.apply(
        zone2.api, "/zone-ingresses/zone-1.ingress-1", String.format(ingress, "zone-1.ingress-1"));
    f.apply(zone1.api, "/zone-ingresses/ingress-1", String.format(ingress, "ingress-1"));

    await("zone-2 NACKs the colliding ingress, by name")
        .atMost(SYNC)
        .untilAsserted(
            () -> {
              JsonNode sync = f.get(f.global.api, "/zone-ingresses/zone-1.ingress-1/_sync");
              assertThat(sync).isNotNull();
              JsonNode z2 = null;
              for (JsonNode z : sync.path("zones")) {
                if (z.path("zone").asText().equals("zone-2")) {
                  z2 = z;
                }
              }
              assertThat(z2).isNotNull();
              assertThat(z2.path("state").asText()).isEqualTo("nacked");
              assertThat(z2.path("reason").asText()).contains("not written by KDS");
            });
    // Everything else still flows to zone-2.
    applyMeshAndPermissions(3, "p-");
    await().atMost(SYNC).until(() -> permissions(zone2.api).size() == 3);
    assertThat(
            f.get(zone2.api, "/zone-ingresses/zone-1.ingress-1")
                .path("labels")
                .has("kuma.io/origin"))
        .as("zone-2's own resource is untouched")
        .isTrue();
    assertThat(
            f.get(zone2.api, "/zone-ingresses/zone-1.ingress-1")
                .path("labels")
                .path("kuma.io/origin")
                .asText())
        .isEqualTo("zone");
  }

  @Test
  void anOversizedResourceIsRejectedByNameAndTheStreamLivesOn() throws Exception {
    f = federation().withGlobalArgs("--kds-max-response-bytes", "65536").startGlobal();
    Federation.Node zone1 = f.startZone("zone-1");
    f.apply(f.global.api, "/meshes/default", "type: Mesh\nname: default\n");
    byte[] big = new byte[80 * 1024];
    new java.util.Random(1).nextBytes(big);
    f.apply(
        f.global.api,
        "/meshes/default/secrets/huge",
        "type: Secret\nname: huge\nmesh: default\ndata: "
            + Base64.getEncoder().encodeToString(big)
            + "\n");
    f.apply(f.global.api, "/meshes/default/traffic-permissions/small", permission("small", "s"));

    await("the small policy arrives")
        .atMost(SYNC)
        .until(() -> permissions(zone1.api).contains("small"));
    await("the huge secret is refused by name")
        .atMost(SYNC)
        .untilAsserted(
            () -> {
              JsonNode sync = f.get(f.global.api, "/meshes/default/secrets/huge/_sync");
              assertThat(sync.path("zones").get(0).path("state").asText())
                  .isEqualTo("rejected-too-large");
            });
    assertThat(f.get(zone1.api, "/meshes/default/secrets/huge")).isNull();
    assertThat(connected(zone1)).isTrue();
    f.apply(f.global.api, "/meshes/default/traffic-permissions/after", permission("after", "a"));
    await().atMost(SYNC).until(() -> permissions(zone1.api).contains("after"));
  }
}

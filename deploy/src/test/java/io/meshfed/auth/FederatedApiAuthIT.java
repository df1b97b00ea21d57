package io.meshfed.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.api.auth.Jws;
import io.meshfed.api.auth.Principal;
import io.meshfed.api.auth.UserTokenRevocations;
import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.global.kds.KdsServerOptions;
import io.meshfed.model.Labels;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.SecretSpec;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.RawHttp;
import io.meshfed.zone.ZoneConfig;
import io.meshfed.zone.ZoneControlPlane;
import io.meshfed.zone.kds.KdsClientOptions;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * User tokens across a real federation in one process: global ({@code GlobalControlPlane.secured},
 * TLS KDS, zone tokens) issues them, the zone receives global's public key and revocation list over
 * KDS and verifies them itself. The zone's API is bound to 127.0.0.2 and called from 127.0.0.3,
 * which stands for another host.
 */
class FederatedApiAuthIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;
  private final List<AutoCloseable> running = new ArrayList<>();
  private final MemoryResourceStore globalStore = new MemoryResourceStore();
  private GlobalControlPlane global;
  private RawHttp toZone;
  private RawHttp toGlobal;

  @BeforeEach
  void startFederation() throws Exception {
    GlobalConfig config =
        GlobalConfig.load(
            Map.of("api-port", "0", "kds-port", "0", "data-dir", dir.resolve("global").toString()),
            Map.of(),
            null);
    global =
        GlobalControlPlane.secured(
            config, globalStore, Clock.systemUTC(), KdsServerOptions.defaults());
    running.add(global);
    global.start();
    globalStore
        .create(
            new Resource(
                ResourceKey.global(StandardTypes.MESH, "default"),
                Meta.EMPTY,
                MeshSpec.ofMtls(null)))
        .join();
    globalStore
        .create(
            new Resource(
                ResourceKey.inMesh(StandardTypes.SECRET, "default", "db"),
                Meta.EMPTY,
                new SecretSpec("c2VjcmV0")))
        .join();
    toGlobal = new RawHttp("127.0.0.1", new InetSocketAddress("127.0.0.1", global.apiPort()));

    Path token = dir.resolve("zone-1.token");
    Files.writeString(token, global.zoneTokenIssuer().issue("zone-1", Duration.ofHours(1)));
    ZoneConfig zoneConfig =
        ZoneConfig.load(
            Map.of(
                "zone",
                "zone-1",
                "global-address",
                "grpcs://127.0.0.1:" + global.kdsPort(),
                "zone-token-file",
                token.toString(),
                "ca-file",
                dir.resolve("global").resolve("kds-ca.crt").toString(),
                "api-address",
                "127.0.0.2",
                "api-port",
                "0",
                "xds-port",
                "0",
                "data-dir",
                dir.resolve("zone-1").toString()),
            Map.of(),
            null);
    ZoneControlPlane zone =
        new ZoneControlPlane(
            zoneConfig,
            new MemoryResourceStore(),
            Clock.systemUTC(),
            KdsClientOptions.defaults()
                .withReconnect(Duration.ofMillis(100), Duration.ofMillis(500)));
    running.add(zone);
    zone.start();
    toZone = new RawHttp("127.0.0.3", new InetSocketAddress("127.0.0.2", zone.apiPort()));
  }

  @AfterEach
  void stopAll() {
    for (int i = running.size() - 1; i >= 0; i--) {
      try {
        running.get(i).close();
      } catch (Exception e) {
        System.err.println("while stopping: " + e);
      }
    }
  }

  private String mint(String name, String... groups) {
    return global.userTokenIssuer().issue(name, Set.of(groups), Duration.ofHours(1)).token();
  }

  private static int status(RawHttp.Response r) {
    return r.status();
  }

  @Test
  void theZoneVerifiesGlobalsTokensAndHonoursItsRevocations() {
    String user = mint("jane", "team-a");
    String admin = mint("root", Principal.ADMIN_GROUP);

    await("the zone accepts a token global issued")
        .atMost(WAIT)
        .until(() -> status(toZone.send("GET", "/meshes", user, null)) == 200);
    await("the secret reaches the zone")
        .atMost(WAIT)
        .until(() -> status(toZone.send("GET", "/meshes/default/secrets/db", admin, null)) == 200);
    RawHttp.Response forbidden = toZone.send("GET", "/meshes/default/secrets/db", user, null);
    assertThat(forbidden.status()).as(forbidden.body()).isEqualTo(403);
    assertThat(forbidden.body()).doesNotContain("c2VjcmV0");
    assertThat(toZone.send("GET", "/meshes/default/secrets", null, null).status()).isEqualTo(401);

    String jti = Jws.decodeJsonObject(user.split("\\.")[1], "payload").path("jti").asText();
    String data = Base64.getEncoder().encodeToString(jti.getBytes(StandardCharsets.UTF_8));
    RawHttp.Response put =
        toGlobal.send(
            "PUT",
            "/global-secrets/" + UserTokenRevocations.SECRET,
            null,
            "{\"type\":\"GlobalSecret\",\"name\":\""
                + UserTokenRevocations.SECRET
                + "\",\"data\":\""
                + data
                + "\"}");
    assertThat(put.status()).as(put.body()).isBetween(200, 201);
    assertThat(
            globalStore
                .get(ResourceKey.global(StandardTypes.GLOBAL_SECRET, UserTokenRevocations.SECRET))
                .join()
                .orElseThrow()
                .labels())
        .containsEntry(Labels.SYNC_TO_ZONES, "true");

    await("the revocation reaches the zone")
        .atMost(WAIT)
        .until(() -> status(toZone.send("GET", "/meshes", user, null)) == 401);
    assertThat(toZone.send("GET", "/meshes", user, null).body()).contains(jti + " is revoked");
    assertThat(toZone.send("GET", "/meshes", admin, null).status()).isEqualTo(200);
  }
}

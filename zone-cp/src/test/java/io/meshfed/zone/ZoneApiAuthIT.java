package io.meshfed.zone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.api.auth.Jws;
import io.meshfed.api.auth.Principal;
import io.meshfed.api.auth.PublicKeyPem;
import io.meshfed.api.auth.PublishedUserTokenKeys;
import io.meshfed.api.auth.UserTokenRevocations;
import io.meshfed.model.Labels;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.GlobalSecretSpec;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.SecretSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.RawHttp;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The zone's REST API over real HTTP. The zone verifies user tokens with what global publishes over
 * KDS (the public key and the revocation list, put into the zone's store here as KDS would);
 * anonymous callers are admin from 127.0.0.1 only, and secrets copied from global are never served
 * to non-admin callers. The API is bound to 127.0.0.2; 127.0.0.3 stands for another host.
 */
class ZoneApiAuthIT {
  private static final String BIND = "127.0.0.2";
  private static final String KID = "user-1";
  private static final Map<String, String> FROM_GLOBAL =
      Map.of(Tags.ORIGIN, "global", Labels.SYNC_TO_ZONES, "true");

  @TempDir Path dir;
  private final MemoryResourceStore store = new MemoryResourceStore();
  private final KeyPair globalKey = rsa();
  private ZoneControlPlane cp;

  @AfterEach
  void tearDown() {
    if (cp != null) {
      cp.close();
    }
  }

  private static KeyPair rsa() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private void globalSecret(String name, byte[] data) {
    store
        .create(
            new Resource(
                ResourceKey.global(StandardTypes.GLOBAL_SECRET, name),
                Meta.withLabels(FROM_GLOBAL),
                GlobalSecretSpec.of(data)))
        .join();
  }

  private InetSocketAddress start(String anonymousAdmin, boolean keyPublished) throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "t\n");
    Map<String, String> flags = new HashMap<>();
    flags.put("zone", "zone-1");
    flags.put("global-address", "grpc://127.0.0.1:" + FreePorts.one());
    flags.put("kds-insecure", "true");
    flags.put("zone-token-file", token.toString());
    flags.put("api-address", BIND);
    flags.put("api-port", "0");
    flags.put("xds-port", "0");
    flags.put("data-dir", dir.resolve("data").toString());
    flags.put("api-anonymous-admin-from-loopback", anonymousAdmin);
    store
        .create(
            new Resource(
                ResourceKey.global(StandardTypes.MESH, "default"),
                Meta.withLabels(Map.of(Tags.ORIGIN, "global")),
                MeshSpec.ofMtls(null)))
        .join();
    store
        .create(
            new Resource(
                ResourceKey.inMesh(StandardTypes.SECRET, "default", "db"),
                Meta.withLabels(Map.of(Tags.ORIGIN, "global")),
                new SecretSpec("c2VjcmV0")))
        .join();
    if (keyPublished) {
      globalSecret(
          PublishedUserTokenKeys.secretName(KID),
          PublicKeyPem.encode(globalKey.getPublic()).getBytes(StandardCharsets.US_ASCII));
    }
    cp = new ZoneControlPlane(ZoneConfig.load(flags, Map.of(), null), store, Clock.systemUTC());
    cp.start();
    return new InetSocketAddress(BIND, cp.apiPort());
  }

  /** A user token as global signs it. */
  private static String token(KeyPair key, String jti, String name, String... groups) {
    ObjectNode header = Jws.JSON.createObjectNode().put("alg", "RS256").put("kid", KID);
    ObjectNode claims = Jws.JSON.createObjectNode().put("name", name);
    for (String g : groups) {
      claims.withArray("groups").add(g);
    }
    long now = Instant.now().getEpochSecond();
    claims.put("iat", now).put("exp", now + 3600).put("jti", jti);
    return Jws.sign(header, claims, key.getPrivate());
  }

  private static void status(RawHttp.Response r, int expected, String what) {
    assertThat(r.status()).as(what + ": " + r.body()).isEqualTo(expected);
    assertThat(r.headers().get("content-type")).startsWith("application/json");
    assertThat(r.body()).doesNotContain("c2VjcmV0");
  }

  @Test
  void anotherHostNeedsATokenGlobalSignedAndNeverGetsASecretWithoutAdmin() throws Exception {
    RawHttp remote = new RawHttp("127.0.0.3", start("true", true));
    String user = token(globalKey, UUID.randomUUID().toString(), "jane", "team-a");
    String admin = token(globalKey, UUID.randomUUID().toString(), "root", Principal.ADMIN_GROUP);
    String foreign = token(rsa(), UUID.randomUUID().toString(), "root", Principal.ADMIN_GROUP);

    for (String path :
        List.of("/", "/meshes/default/secrets", "/meshes/default/secrets/db", "/secrets")) {
      status(remote.send("GET", path, null, null), 401, "anonymous GET " + path);
      status(remote.send("GET", path, foreign, null), 401, "foreign token GET " + path);
    }
    assertThat(remote.send("GET", "/meshes", user, null).status()).isEqualTo(200);
    status(remote.send("GET", "/meshes/default/secrets/db", user, null), 403, "user reads secret");
    status(remote.send("GET", "/meshes/default/secrets", user, null), 403, "user lists secrets");
    status(
        remote.send("DELETE", "/meshes/default/dataplanes/web-1", user, null), 403, "user writes");

    RawHttp.Response secret = remote.send("GET", "/meshes/default/secrets/db", admin, null);
    assertThat(secret.status()).as(secret.body()).isEqualTo(200);
    assertThat(secret.body()).contains("c2VjcmV0");
    assertThat(remote.send("GET", "/ready", null, null).status()).isEqualTo(200);
  }

  @Test
  void aRevocationReceivedFromGlobalHoldsOnTheZone() throws Exception {
    RawHttp remote = new RawHttp("127.0.0.3", start("true", true));
    String jti = UUID.randomUUID().toString();
    String user = token(globalKey, jti, "jane");
    assertThat(remote.send("GET", "/meshes", user, null).status()).isEqualTo(200);

    globalSecret(UserTokenRevocations.SECRET, ("x," + jti).getBytes(StandardCharsets.UTF_8));

    // read from memory, fed by the zone store's watch: enforced within a second
    await("the revocation is enforced")
        .atMost(Duration.ofSeconds(1))
        .until(() -> remote.send("GET", "/meshes", user, null).status() == 401);
    RawHttp.Response r = remote.send("GET", "/meshes", user, null);
    status(r, 401, "revoked token");
    assertThat(r.body()).contains(jti + " is revoked");
  }

  @Test
  void beforeTheKeyArrivesTokensAreRefusedAndLoopbackIsAdmin() throws Exception {
    InetSocketAddress api = start("true", false);
    RawHttp remote = new RawHttp("127.0.0.3", api);
    String admin = token(globalKey, UUID.randomUUID().toString(), "root", Principal.ADMIN_GROUP);

    status(remote.send("GET", "/meshes", admin, null), 401, "no key yet");
    RawHttp.Response local =
        new RawHttp("127.0.0.1", api).send("GET", "/meshes/default/secrets/db", null, null);
    assertThat(local.status()).as(local.body()).isEqualTo(200);
    assertThat(local.body()).contains("c2VjcmV0");
  }

  @Test
  void withTheSettingOffLoopbackIsRefusedToo() throws Exception {
    RawHttp local = new RawHttp("127.0.0.1", start("false", true));

    RawHttp.Response r = local.send("GET", "/meshes/default/secrets/db", null, null);
    status(r, 401, "anonymous loopback, setting off");
    assertThat(r.body()).contains("api-anonymous-admin-from-loopback");
  }
}

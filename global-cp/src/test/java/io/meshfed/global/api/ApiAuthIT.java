package io.meshfed.global.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.api.auth.Jws;
import io.meshfed.api.auth.Principal;
import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.global.GlobalStores;
import io.meshfed.global.auth.AdminTokenFile;
import io.meshfed.global.auth.UserTokenIssuer;
import io.meshfed.global.kds.auth.ZoneTokenSigningKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.store.ResourceStore;
import io.meshfed.testing.EtcdExtension;
import io.meshfed.testing.RawHttp;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Authentication and authorization of the REST API over real HTTP, on a real global control plane
 * whose store is a real etcd. The API is bound to 127.0.0.2; requests from 127.0.0.1 are the local
 * machine, requests from 127.0.0.3 stand for a remote client (only 127.0.0.1 and ::1 count as
 * local).
 */
class ApiAuthIT {
  @RegisterExtension static final EtcdExtension ETCD = new EtcdExtension();
  @TempDir static Path dir;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BIND = "127.0.0.2";
  private static final String TP =
      "{\"type\":\"TrafficPermission\",\"mesh\":\"default\",\"name\":\"tp-%s\","
          + "\"sources\":[{\"match\":{\"kuma.io/service\":\"web\"}}],"
          + "\"destinations\":[{\"match\":{\"kuma.io/service\":\"backend\"}}]}";

  private static ResourceStore store;
  private static GlobalControlPlane global;
  private static RawHttp local;
  private static RawHttp remote;

  @BeforeAll
  static void start() {
    GlobalConfig config = config("/auth-it", "true", "data");
    store = GlobalStores.open(config, StandardTypes.registry(), Clock.systemUTC());
    global = new GlobalControlPlane(config, store, Clock.systemUTC()).start();
    InetSocketAddress api = new InetSocketAddress(BIND, global.apiPort());
    local = new RawHttp("127.0.0.1", api);
    remote = new RawHttp("127.0.0.3", api);
    ok(local.send("PUT", "/meshes/default", null, "{\"type\":\"Mesh\",\"name\":\"default\"}"));
    ok(local.send("PUT", "/meshes/default/traffic-permissions/tp-1", null, TP.formatted("1")));
    ok(
        local.send(
            "PUT",
            "/meshes/default/secrets/db",
            null,
            "{\"type\":\"Secret\",\"mesh\":\"default\",\"name\":\"db\",\"data\":\"c2VjcmV0\"}"));
  }

  @AfterAll
  static void stop() {
    if (global != null) {
      global.close();
    }
  }

  /** Every replica of the test shares one store, so one secrets key. */
  private static String sharedSecretsKey() {
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    return java.util.Base64.getEncoder().encodeToString(key);
  }

  private static final String SECRETS_KEY = sharedSecretsKey();

  private static GlobalConfig config(String prefix, String anonymousAdmin, String dataDir) {
    return GlobalConfig.load(
        Map.of(
            "secrets-key",
            SECRETS_KEY,
            "api-address",
            BIND,
            "api-port",
            "0",
            "kds-port",
            "0",
            "store",
            "etcd",
            "etcd-endpoints",
            ETCD.clientUrl(),
            "etcd-prefix",
            prefix,
            "api-anonymous-admin-from-loopback",
            anonymousAdmin,
            "data-dir",
            dir.resolve(dataDir).toString()),
        Map.of(),
        null);
  }

  private static RawHttp.Response ok(RawHttp.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 299);
    return r;
  }

  private static void status(RawHttp.Response r, int expected, String what) {
    assertThat(r.status()).as(what + ": " + r.body()).isEqualTo(expected);
    if (expected >= 400) {
      assertThat(r.headers().get("content-type")).startsWith("application/json");
      JsonNode body = readJson(r.body());
      assertThat(body.path("status").asInt()).isEqualTo(expected);
      assertThat(body.path("title").asText()).isNotEmpty();
    }
  }

  private static JsonNode readJson(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + text, e);
    }
  }

  /** A token minted over the API by the anonymous loopback admin. */
  private static String mint(String name, List<String> groups, String validFor) {
    String body =
        JSON.createObjectNode()
            .put("name", name)
            .put("validFor", validFor)
            .set("groups", JSON.valueToTree(groups))
            .toString();
    return ok(local.send("POST", "/tokens/user", null, body)).body().strip();
  }

  private static String jti(String token) {
    return Jws.decodeJsonObject(token.split("\\.")[1], "payload").path("jti").asText();
  }

  @Test
  void anonymousRequestsFromAnotherHostAre401AndChangeNothing() {
    for (String path : List.of("/", "/meshes", "/meshes/default/traffic-permissions/tp-1")) {
      RawHttp.Response r = remote.send("GET", path, null, null);
      status(r, 401, "GET " + path);
      assertThat(r.headers().get("www-authenticate")).startsWith("Bearer");
      assertThat(readJson(r.body()).path("detail").asText()).contains("127.0.0.1");
    }
    status(
        remote.send("PUT", "/meshes/default/traffic-permissions/tp-x", null, TP.formatted("x")),
        401,
        "anonymous PUT");
    status(
        local.send("GET", "/meshes/default/traffic-permissions/tp-x", null, null),
        404,
        "the refused PUT wrote nothing");
  }

  @Test
  void readinessNeedsNoToken() {
    status(remote.send("GET", "/ready", null, null), 200, "GET /ready");
  }

  @Test
  void anonymousRequestsFromLoopbackAreAdmin() {
    ok(local.send("GET", "/meshes/default/secrets/db", null, null));
    ok(local.send("GET", "/global-secrets", null, null));
    ok(local.send("PUT", "/meshes/default/traffic-permissions/tp-2", null, TP.formatted("2")));
    ok(local.send("DELETE", "/meshes/default/traffic-permissions/tp-2", null, null));
    ok(local.send("POST", "/tokens/zone", null, "{\"zone\":\"zone-1\"}"));
  }

  @Test
  void aNonAdminTokenReadsPoliciesButNotSecretsAndCannotWriteOrMint() {
    String token = mint("jane", List.of("team-a"), "1h");

    ok(remote.send("GET", "/meshes/default/traffic-permissions/tp-1", token, null));
    ok(remote.send("GET", "/meshes/default/traffic-permissions", token, null));
    ok(remote.send("GET", "/", token, null));
    for (String path :
        List.of(
            "/meshes/default/secrets",
            "/meshes/default/secrets/db",
            "/secrets",
            "/global-secrets",
            "/globalsecrets",
            "/global-secrets/user-token-revocations")) {
      RawHttp.Response r = remote.send("GET", path, token, null);
      status(r, 403, "GET " + path);
      assertThat(r.body()).doesNotContain("c2VjcmV0").contains(Principal.ADMIN_GROUP);
    }
    status(
        remote.send("PUT", "/meshes/default/traffic-permissions/tp-j", token, TP.formatted("j")),
        403,
        "PUT");
    status(
        remote.send("DELETE", "/meshes/default/traffic-permissions/tp-1", token, null),
        403,
        "DELETE");
    status(
        remote.send(
            "POST",
            "/tokens/user",
            token,
            "{\"name\":\"me\",\"groups\":[\"" + Principal.ADMIN_GROUP + "\"]}"),
        403,
        "mint a user token");
    status(remote.send("POST", "/tokens/zone", token, "{\"zone\":\"zone-1\"}"), 403, "zone token");
    ok(local.send("GET", "/meshes/default/traffic-permissions/tp-1", null, null));
    status(
        local.send("GET", "/meshes/default/traffic-permissions/tp-j", null, null),
        404,
        "the refused PUT wrote nothing");
  }

  @Test
  void anAdminTokenMayDoEverythingFromAnotherHost() {
    String token = mint("root", List.of(Principal.ADMIN_GROUP), "1h");

    ok(remote.send("PUT", "/meshes/default/traffic-permissions/tp-3", token, TP.formatted("3")));
    ok(remote.send("GET", "/meshes/default/secrets/db", token, null));
    ok(remote.send("GET", "/global-secrets", token, null));
    String minted =
        ok(remote.send("POST", "/tokens/user", token, "{\"name\":\"bob\",\"validFor\":\"1h\"}"))
            .body()
            .strip();
    ok(remote.send("GET", "/meshes", minted, null));
    ok(remote.send("POST", "/tokens/zone", token, "{\"zone\":\"zone-2\"}"));
    ok(remote.send("DELETE", "/meshes/default/traffic-permissions/tp-3", token, null));
  }

  @Test
  void aRevokedTokenIs401OnTheNextRequest() {
    String token = mint("carol", List.of(Principal.ADMIN_GROUP), "1h");
    String other = mint("dave", List.of(), "1h");
    ok(remote.send("GET", "/meshes", token, null));

    String ids =
        Base64.getEncoder().encodeToString(("x," + jti(token)).getBytes(StandardCharsets.UTF_8));
    ok(
        local.send(
            "PUT",
            "/global-secrets/user-token-revocations",
            null,
            "{\"type\":\"GlobalSecret\",\"name\":\"user-token-revocations\",\"data\":\""
                + ids
                + "\"}"));

    // the check reads the list from memory, fed by the store's watch: enforced within a second
    await("the revocation is enforced")
        .atMost(Duration.ofSeconds(1))
        .until(() -> remote.send("GET", "/meshes", token, null).status() == 401);
    RawHttp.Response r = remote.send("GET", "/meshes", token, null);
    status(r, 401, "revoked token");
    assertThat(r.body()).contains(jti(token) + " is revoked");
    status(local.send("GET", "/meshes", token, null), 401, "revoked token from loopback");
    ok(remote.send("GET", "/meshes", other, null));
  }

  @Test
  void expiredForeignAndGarbageTokensAre401() {
    UserTokenIssuer past =
        new UserTokenIssuer(
            global.userTokenIssuer().signingKey(),
            Clock.fixed(Instant.now().minus(Duration.ofDays(2)), ZoneOffset.UTC));
    String expired = past.issue("erin", Set.of(Principal.ADMIN_GROUP), Duration.ofHours(1)).token();
    RawHttp.Response r = remote.send("GET", "/meshes", expired, null);
    status(r, 401, "expired token");
    assertThat(r.body()).contains("expired");

    UserTokenIssuer stranger =
        new UserTokenIssuer(ZoneTokenSigningKey.generate(UserTokenIssuer.KID), Clock.systemUTC());
    String foreign =
        stranger.issue("mallory", Set.of(Principal.ADMIN_GROUP), Duration.ofHours(1)).token();
    status(remote.send("GET", "/meshes", foreign, null), 401, "token of another key");
    status(remote.send("GET", "/meshes", "not-a-jwt", null), 401, "garbage token");
  }

  @Test
  void withAnonymousAdminOffLoopbackNeedsATokenToo() throws Exception {
    GlobalConfig config = config("/auth-it-strict", "false", "strict");
    ResourceStore strictStore =
        GlobalStores.open(config, StandardTypes.registry(), Clock.systemUTC());
    try (GlobalControlPlane strict =
        new GlobalControlPlane(config, strictStore, Clock.systemUTC()).start()) {
      RawHttp fromLocal = new RawHttp("127.0.0.1", new InetSocketAddress(BIND, strict.apiPort()));
      RawHttp.Response r = fromLocal.send("GET", "/meshes", null, null);
      status(r, 401, "anonymous loopback with the setting off");
      assertThat(r.body()).contains("api-anonymous-admin-from-loopback");

      Path file = dir.resolve("strict").resolve(AdminTokenFile.FILE_NAME);
      String admin = Files.readString(file).strip();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .isEqualTo("rw-------");
      ok(fromLocal.send("GET", "/global-secrets", admin, null));
      ok(fromLocal.send("POST", "/tokens/user", admin, "{\"name\":\"frank\"}"));
    }
  }

  @Test
  void aSecondReplicaOnTheSameStoreAcceptsTheTokensAndTheRevocations() throws Exception {
    GlobalConfig config = config("/auth-it", "true", "replica");
    ResourceStore replicaStore =
        GlobalStores.open(config, StandardTypes.registry(), Clock.systemUTC());
    try (GlobalControlPlane replica =
        new GlobalControlPlane(config, replicaStore, Clock.systemUTC()).start()) {
      RawHttp toReplica = new RawHttp("127.0.0.3", new InetSocketAddress(BIND, replica.apiPort()));
      String token = mint("grace", List.of("team-a"), "1h");
      ok(toReplica.send("GET", "/meshes/default/traffic-permissions/tp-1", token, null));
      status(toReplica.send("GET", "/meshes/default/secrets/db", token, null), 403, "secret");

      String ids = Base64.getEncoder().encodeToString(jti(token).getBytes(StandardCharsets.UTF_8));
      RawHttp.Response current =
          local.send("GET", "/global-secrets/user-token-revocations", null, null);
      String body =
          "{\"type\":\"GlobalSecret\",\"name\":\"user-token-revocations\",\"data\":\""
              + (current.status() == 200
                  ? Base64.getEncoder()
                      .encodeToString(
                          (new String(
                                      Base64.getDecoder()
                                          .decode(readJson(current.body()).path("data").asText()),
                                      StandardCharsets.UTF_8)
                                  + ","
                                  + jti(token))
                              .getBytes(StandardCharsets.UTF_8))
                  : ids)
              + "\"}";
      ok(local.send("PUT", "/global-secrets/user-token-revocations", null, body));

      await("the other replica's watch delivers the revocation")
          .atMost(Duration.ofSeconds(1))
          .until(() -> toReplica.send("GET", "/meshes", token, null).status() == 401);
      RawHttp.Response r = toReplica.send("GET", "/meshes", token, null);
      status(r, 401, "revoked on the other replica");
      assertThat(r.body()).contains("revoked");
    }
  }
}

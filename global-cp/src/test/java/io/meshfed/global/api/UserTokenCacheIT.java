package io.meshfed.global.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.api.auth.Jws;
import io.meshfed.api.auth.UserTokenRevocations;
import io.meshfed.api.auth.UserTokenSecrets;
import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.global.GlobalStores;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.testing.CountingStore;
import io.meshfed.testing.EtcdExtension;
import io.meshfed.testing.RawHttp;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * User token checks never read the store on a request: a real global control plane on a real etcd,
 * its store wrapped in a counter. A revocation written through the API is enforced within a second
 * with no request reading the revocation list, and with etcd frozen (SIGSTOP) a token-bearing
 * {@code GET /} still answers at once.
 */
class UserTokenCacheIT {
  @RegisterExtension static final EtcdExtension ETCD = new EtcdExtension();
  @TempDir static Path dir;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BIND = "127.0.0.2";
  private static final Predicate<ResourceKey> USER_TOKEN_SECRETS =
      k ->
          k.type().equals(StandardTypes.GLOBAL_SECRET)
              && UserTokenSecrets.isUserTokenSecret(k.name());

  private static CountingStore store;
  private static GlobalControlPlane global;
  private static RawHttp local;
  private static RawHttp remote;

  @BeforeAll
  static void start() {
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    GlobalConfig config =
        GlobalConfig.load(
            Map.of(
                "secrets-key",
                Base64.getEncoder().encodeToString(key),
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
                "/token-cache-it",
                "api-anonymous-admin-from-loopback",
                "true",
                "data-dir",
                dir.resolve("data").toString()),
            Map.of(),
            null);
    store =
        new CountingStore(GlobalStores.open(config, StandardTypes.registry(), Clock.systemUTC()));
    global = new GlobalControlPlane(config, store, Clock.systemUTC()).start();
    InetSocketAddress api = new InetSocketAddress(BIND, global.apiPort());
    local = new RawHttp("127.0.0.1", api);
    remote = new RawHttp("127.0.0.3", api);
  }

  @AfterAll
  static void stop() {
    if (ETCD.process().isRunning()) {
      ETCD.process().resume();
    }
    if (global != null) {
      global.close();
    }
  }

  private static String mint(String name) {
    String body = JSON.createObjectNode().put("name", name).put("validFor", "1h").toString();
    RawHttp.Response r = local.send("POST", "/tokens/user", null, body);
    assertThat(r.status()).as(r.body()).isBetween(200, 201);
    return r.body().strip();
  }

  private static String jti(String token) {
    return Jws.decodeJsonObject(token.split("\\.")[1], "payload").path("jti").asText();
  }

  @Test
  void aRevocationHoldsWithinASecondAndNoRequestReadsTheRevocationList() {
    String token = mint("jane");
    String other = mint("joe");
    long before = store.gets(USER_TOKEN_SECRETS);
    for (int i = 0; i < 20; i++) {
      assertThat(remote.send("GET", "/", token, null).status()).isEqualTo(200);
      assertThat(remote.send("GET", "/meshes", other, null).status()).isEqualTo(200);
    }
    assertThat(store.gets(USER_TOKEN_SECRETS) - before)
        .as("store reads of the user token GlobalSecrets by 40 token-bearing requests")
        .isZero();

    String ids = Base64.getEncoder().encodeToString(jti(token).getBytes(StandardCharsets.UTF_8));
    RawHttp.Response put =
        local.send(
            "PUT",
            "/global-secrets/" + UserTokenRevocations.SECRET,
            null,
            "{\"type\":\"GlobalSecret\",\"name\":\""
                + UserTokenRevocations.SECRET
                + "\",\"data\":\""
                + ids
                + "\"}");
    assertThat(put.status()).as(put.body()).isBetween(200, 201);
    long afterWrite = store.gets(USER_TOKEN_SECRETS);

    await("the revoked token is refused")
        .atMost(Duration.ofSeconds(1))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> remote.send("GET", "/meshes", token, null).status() == 401);
    RawHttp.Response refused = remote.send("GET", "/", token, null);
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.body()).contains(jti(token) + " is revoked");
    assertThat(remote.send("GET", "/meshes", other, null).status()).isEqualTo(200);
    assertThat(store.gets(USER_TOKEN_SECRETS) - afterWrite)
        .as("store reads of the user token GlobalSecrets by the checks after the revocation")
        .isZero();
  }

  @Test
  void withEtcdFrozenATokenBearingIndexRequestAnswersAtOnce() {
    String token = mint("kim");
    assertThat(remote.send("GET", "/", token, null).status()).isEqualTo(200);

    List<Long> millis = new ArrayList<>();
    ETCD.process().pause();
    try {
      for (int i = 0; i < 10; i++) {
        long start = System.nanoTime();
        RawHttp.Response r = remote.send("GET", "/", token, null);
        millis.add((System.nanoTime() - start) / 1_000_000);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
      }
    } finally {
      ETCD.process().resume();
    }
    System.out.println("token-bearing GET / with etcd frozen, ms: " + millis);
    assertThat(Collections.max(millis)).as("slowest of %s ms", millis).isLessThan(200);

    await("the store answers again")
        .atMost(Duration.ofSeconds(30))
        .until(() -> remote.send("GET", "/meshes", token, null).status() == 200);
  }

  @Test
  void withEtcdFrozenPastTheBoundTokenChecksFailClosedAtOnceAndRecover() {
    String token = mint("lee");
    assertThat(remote.send("GET", "/", token, null).status()).isEqualTo(200);

    ETCD.process().pause();
    try {
      await("token checks fail closed once the store was silent for 30 s")
          .atMost(Duration.ofSeconds(50))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> remote.send("GET", "/", token, null).status() == 503);
      long start = System.nanoTime();
      RawHttp.Response refused = remote.send("GET", "/", token, null);
      long refusedMillis = (System.nanoTime() - start) / 1_000_000;
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.headers()).containsKey("retry-after");
      assertThat(refused.body())
          .contains("cannot check the user token revocation list")
          .contains("the store is unavailable");
      assertThat(refusedMillis).as("a stale check answers at once").isLessThan(200);
      start = System.nanoTime();
      remote.send("GET", "/ready", null, null);
      assertThat((System.nanoTime() - start) / 1_000_000).as("GET /ready").isLessThan(200);
      assertThat(local.send("GET", "/", null, null).status())
          .as("anonymous loopback needs no revocation list")
          .isEqualTo(200);
    } finally {
      ETCD.process().resume();
    }

    await("the view is confirmed again")
        .atMost(Duration.ofSeconds(20))
        .until(() -> remote.send("GET", "/", token, null).status() == 200);
  }
}

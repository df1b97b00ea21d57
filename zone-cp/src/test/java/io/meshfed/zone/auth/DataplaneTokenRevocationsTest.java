package io.meshfed.zone.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.GlobalSecretSpec;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.SecretSpec;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Revocation lists fed by a store watch (the in-memory store) and the authenticator built on them,
 * on a clock the test moves.
 */
class DataplaneTokenRevocationsTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private final MemoryResourceStore store = new MemoryResourceStore();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final ManualClock clock = new ManualClock(NOW);
  private final DataplaneTokens tokens = new DataplaneTokens(key(), "dp-1", clock);
  private final DataplaneTokenRevocations revocations =
      new DataplaneTokenRevocations(store, scheduler);
  private final DataplaneAuthenticator auth =
      new DataplaneAuthenticator(tokens, revocations, clock);

  @AfterEach
  void stop() throws InterruptedException {
    revocations.close();
    scheduler.shutdownNow();
    scheduler.awaitTermination(5, TimeUnit.SECONDS);
  }

  private static byte[] key() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return b;
  }

  private void mesh(String name) {
    store
        .create(
            new Resource(
                ResourceKey.global(StandardTypes.MESH, name), Meta.EMPTY, MeshSpec.ofMtls(null)))
        .join();
  }

  private void putSecret(String mesh, String name, SecretSpec spec) {
    ResourceKey key = ResourceKey.inMesh(StandardTypes.SECRET, mesh, name);
    var existing = store.get(key).join();
    if (existing.isPresent()) {
      store.update(new Resource(key, Meta.EMPTY, spec), existing.get().meta().version()).join();
    } else {
      store.create(new Resource(key, Meta.EMPTY, spec)).join();
    }
  }

  private static SecretSpec ids(String text) {
    return SecretSpec.of(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String jti(DataplaneToken t) {
    return t.id();
  }

  @Test
  void beforeTheListsAreLoadedEveryTokenIsRefused() {
    String t = tokens.issue("sidecar", "default", "web-1", Duration.ofHours(1));

    assertThatThrownBy(() -> auth.authenticate(t, "sidecar", "default", "web-1"))
        .isInstanceOf(DataplaneTokenException.class)
        .hasMessageContaining("revocation lists are not loaded yet");
  }

  @Test
  void aTokenWhoseIdIsInItsMeshsListIsRefusedAndOthersAreNot() {
    mesh("default");
    mesh("other");
    revocations.start().join();
    String web1 = tokens.issue("sidecar", "default", "web-1", Duration.ofHours(1));
    String web2 = tokens.issue("sidecar", "default", "web-2", Duration.ofHours(1));
    String otherMesh = tokens.issue("sidecar", "other", "web-1", Duration.ofHours(1));
    DataplaneToken first = auth.authenticate(web1, "sidecar", "default", "web-1");
    DataplaneToken inOther = auth.authenticate(otherMesh, "sidecar", "other", "web-1");
    AtomicInteger changes = new AtomicInteger();
    revocations.subscribe(changes::incrementAndGet);

    putSecret("default", "dataplane-token-revocations-default", ids("x-1,\n" + jti(first)));
    // The same name in another mesh does not revoke the tokens of mesh default.
    putSecret("other", "dataplane-token-revocations-default", ids(jti(inOther)));

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThatThrownBy(() -> auth.authenticate(web1, "sidecar", "default", "web-1"))
                    .hasMessage(
                        "dataplane default/web-1: the dataplane token "
                            + jti(first)
                            + " was revoked (Secret 'dataplane-token-revocations-default' in mesh"
                            + " 'default')"));
    assertThat(changes.get()).isPositive();
    assertThat(auth.authenticate(web2, "sidecar", "default", "web-2").name()).isEqualTo("web-2");
    assertThat(auth.authenticate(otherMesh, "sidecar", "other", "web-1").mesh()).isEqualTo("other");
    assertThat(auth.recheck(first)).isPresent();
    assertThat(auth.recheck(inOther)).isEmpty();
  }

  @Test
  void ingressTokensAreRevokedByTheGlobalSecret() {
    revocations.start().join();
    String t = tokens.issue("ingress", null, "ingress-1", Duration.ofHours(1));
    DataplaneToken verified = auth.authenticate(t, "ingress", null, "ingress-1");

    store
        .create(
            new Resource(
                ResourceKey.global(
                    StandardTypes.GLOBAL_SECRET, DataplaneTokenRevocations.INGRESS_SECRET),
                Meta.EMPTY,
                GlobalSecretSpec.of(verified.id().getBytes(StandardCharsets.UTF_8))))
        .join();

    await().atMost(Duration.ofSeconds(10)).until(() -> auth.recheck(verified).isPresent());
    assertThat(auth.recheck(verified).get())
        .contains("revoked (GlobalSecret 'zone-ingress-token-revocations')");
  }

  @Test
  void anUnreadableListRefusesTheTokensItCovers() {
    mesh("default");
    revocations.start().join();
    String t = tokens.issue("sidecar", "default", "web-1", Duration.ofHours(1));

    putSecret("default", "dataplane-token-revocations-default", new SecretSpec("!!not base64!!"));

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThatThrownBy(() -> auth.authenticate(t, "sidecar", "default", "web-1"))
                    .hasMessageContaining("is not base64 data; fix it on global"));
  }

  @Test
  void recheckTellsWhenAnAcceptedTokenExpires() {
    revocations.start().join();
    String t = tokens.issue("sidecar", "default", "web-1", Duration.ofMinutes(10));
    DataplaneToken verified = auth.authenticate(t, "sidecar", "default", "web-1");
    assertThat(auth.recheck(verified)).isEmpty();

    clock.set(NOW.plus(Duration.ofMinutes(10)));

    assertThat(auth.recheck(verified))
        .contains("the dataplane token expired at " + NOW.plus(Duration.ofMinutes(10)));
  }
}

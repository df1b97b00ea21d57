package io.meshfed.global.kds.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshfed.global.kds.auth.ZoneTokenException.Reason;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.GlobalSecretSpec;
import io.meshfed.store.MutableClock;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.StallingStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Rotation and revocation of zone tokens over a store, with a fake clock. */
class ZoneTokenTrustTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final MemoryResourceStore store = new MemoryResourceStore();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final ZoneTokenTrust trust = ZoneTokenTrust.start(store, scheduler, Clock.systemUTC());
  private final ZoneTokenIssuer issuer = new ZoneTokenIssuer(trust, clock);
  private final ZoneTokenVerifier verifier =
      new ZoneTokenVerifier(trust, clock, ZoneTokenVerifier.DEFAULT_SKEW);

  @AfterEach
  void close() {
    trust.close();
    scheduler.shutdownNow();
    store.close();
  }

  private static Reason refusal(Runnable r) {
    try {
      r.run();
    } catch (ZoneTokenException e) {
      return e.reason();
    }
    return null;
  }

  @Test
  void aRotatedKeySignsWhileTheOldOneVerifiesUntilItIsRemoved() {
    ZoneTokenIssuer.Issued before = issuer.issueWithId("zone-1", Duration.ofDays(30));
    assertThat(before.kid()).isEqualTo("1");

    ZoneTokenSigningKey second = trust.rotate();
    clock.advance(Duration.ofDays(1));
    ZoneTokenIssuer.Issued after = issuer.issueWithId("zone-1", Duration.ofDays(30));

    assertThat(second.kid()).isEqualTo("2");
    assertThat(after.kid()).isEqualTo("2");
    assertThat(verifier.verify(before.token()).kid()).isEqualTo("1");
    assertThat(verifier.verify(after.token()).kid()).isEqualTo("2");

    assertThatThrownBy(() -> trust.remove("2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("current signer");
    trust.remove("1");

    assertThat(refusal(() -> verifier.verify(before.token()))).isEqualTo(Reason.UNKNOWN_KEY);
    assertThat(verifier.verify(after.token()).zone()).isEqualTo("zone-1");
    assertThat(
            store
                .get(ResourceKey.global(StandardTypes.GLOBAL_SECRET, "zone-token-signing-key-1"))
                .join())
        .isEmpty();
  }

  @Test
  void aRevokedIdIsRefusedOthersAreNotAndTheListIsKumasGlobalSecret() {
    ZoneTokenIssuer.Issued a = issuer.issueWithId("zone-1", Duration.ofDays(1));
    ZoneTokenIssuer.Issued b = issuer.issueWithId("zone-1", Duration.ofDays(1));
    AtomicInteger changes = new AtomicInteger();
    trust.onChange(changes::incrementAndGet);

    assertThat(trust.revoke(a.id())).isEqualTo(1);
    assertThat(trust.revoke(a.id())).isEqualTo(1); // idempotent

    ZoneTokenException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ZoneTokenException.class, () -> verifier.verify(a.token()));
    assertThat(e.reason()).isEqualTo(Reason.REVOKED);
    assertThat(e.getMessage()).contains(a.id()).contains("zone-token-revocations");
    assertThat(verifier.verify(b.token()).jti()).isEqualTo(b.id());
    assertThat(changes.get()).isPositive();
    String stored =
        new String(
            store
                .get(ResourceKey.global(StandardTypes.GLOBAL_SECRET, "zone-token-revocations"))
                .join()
                .orElseThrow()
                .spec(GlobalSecretSpec.class)
                .bytes(),
            StandardCharsets.UTF_8);
    assertThat(stored).isEqualTo(a.id());
  }

  @Test
  void aRevocationReturnsOnlyOnceTheListenersThatCloseStreamsHaveRun() throws Exception {
    ZoneTokenIssuer.Issued a = issuer.issueWithId("zone-1", Duration.ofDays(1));
    CountDownLatch closing = new CountDownLatch(1);
    CountDownLatch mayClose = new CountDownLatch(1);
    AtomicInteger closed = new AtomicInteger();
    trust.onChange(
        () -> {
          if (trust.isRevoked(a.id())) {
            closing.countDown();
            awaitQuietly(mayClose); // a stream close still in progress
            closed.incrementAndGet();
          }
        });

    CompletableFuture<Integer> revoked = CompletableFuture.supplyAsync(() -> trust.revoke(a.id()));
    assertThat(closing.await(10, TimeUnit.SECONDS)).isTrue();
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !revoked.isDone());
    mayClose.countDown();

    assertThat(revoked.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(closed.get()).as("streams closed when revoke returns").isEqualTo(1);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void revocationsWrittenByAnOperatorAreReadWithCommasOrWhiteSpace() {
    assertThat(ZoneTokenTrust.parseIds(" a, b\nc  d,,")).containsExactly("a", "b", "c", "d");
    assertThat(ZoneTokenTrust.nextKid(java.util.Set.of("1", "9", "x"))).isEqualTo("10");
  }

  @Test
  void whileTheStoreIsSilentPastTheBoundNewZonesAreRefusedAsUnavailableThenAcceptedAgain() {
    MutableClock viewClock = new MutableClock(Instant.now());
    StallingStore stalling = new StallingStore(store);
    try (ZoneTokenTrust watched = ZoneTokenTrust.start(stalling, scheduler, viewClock)) {
      ZoneTokenVerifier check =
          new ZoneTokenVerifier(watched, clock, ZoneTokenVerifier.DEFAULT_SKEW);
      String token = new ZoneTokenIssuer(watched, clock).issue("zone-1", Duration.ofDays(1));
      assertThat(check.verify(token).zone()).isEqualTo("zone-1");

      stalling.down.set(true);
      viewClock.advance(Duration.ofSeconds(10));
      assertThat(check.verify(token).zone())
          .as("within the bound, from memory")
          .isEqualTo("zone-1");
      viewClock.advance(Duration.ofSeconds(21));
      assertThatThrownBy(() -> check.verify(token))
          .isInstanceOfSatisfying(
              ZoneTokenException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
                assertThat(e.getMessage())
                    .contains("cannot check the zone token revocation list")
                    .contains("the store is unavailable");
              });
      assertThat(watched.snapshot().keys()).as("what it held is kept").isNotEmpty();

      stalling.down.set(false);
      await("a probe confirms the view again")
          .atMost(Duration.ofSeconds(20))
          .until(() -> refusal(() -> check.verify(token)) == null);
    }
  }
}

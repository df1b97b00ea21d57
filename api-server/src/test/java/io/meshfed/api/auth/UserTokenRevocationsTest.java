package io.meshfed.api.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshfed.api.ApiException;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.GlobalSecretSpec;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.CountingStore;
import io.meshfed.testing.ManualClock;
import io.meshfed.testing.StallingStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UserTokenRevocationsTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final ResourceKey KEY =
      ResourceKey.global(StandardTypes.GLOBAL_SECRET, UserTokenRevocations.SECRET);

  private final MemoryResourceStore memory = new MemoryResourceStore();
  private final StallingStore stalling = new StallingStore(memory);
  private final CountingStore store = new CountingStore(stalling);
  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final WatchedGlobalSecrets secrets =
      WatchedGlobalSecrets.start(
          store,
          UserTokenSecrets::isUserTokenSecret,
          "the user token revocation list",
          clock,
          scheduler,
          new WatchedGlobalSecrets.Settings(
              Duration.ofSeconds(30),
              Duration.ofSeconds(20),
              Duration.ofMillis(200),
              Duration.ofMillis(50)));
  private final UserTokenRevocations revocations = new UserTokenRevocations(secrets);

  @AfterEach
  void stop() {
    secrets.close();
    scheduler.shutdownNow();
  }

  private void list(GlobalSecretSpec spec) {
    memory.create(new Resource(KEY, Meta.EMPTY, spec)).join();
  }

  @Test
  void noListRevokesNothing() {
    secrets.awaitLoaded(WAIT);
    assertThat(revocations.isRevoked("a")).isFalse();
  }

  @Test
  void idsAreSeparatedByCommasOrWhiteSpace() {
    list(GlobalSecretSpec.of("a,b , c\nd\n\n".getBytes(StandardCharsets.UTF_8)));

    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> assertThat(revocations.ids()).containsExactlyInAnyOrder("a", "b", "c", "d"));
    assertThat(revocations.isRevoked("c")).isTrue();
    assertThat(revocations.isRevoked("e")).isFalse();
  }

  @Test
  void anUnreadableListFailsClosed() {
    list(new GlobalSecretSpec("not base64!"));

    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .until(() -> secrets.get(UserTokenRevocations.SECRET).isPresent());
    assertThatThrownBy(() -> revocations.isRevoked("a"))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(503));
  }

  @Test
  void aRevocationHoldsAsSoonAsTheWatchDeliversItAndNoCheckReadsTheStore() {
    secrets.awaitLoaded(WAIT);
    assertThat(revocations.isRevoked("t-1")).isFalse();

    list(GlobalSecretSpec.of("t-0,t-1".getBytes(StandardCharsets.UTF_8)));
    await().atMost(Duration.ofSeconds(1)).until(() -> revocations.isRevoked("t-1"));
    for (int i = 0; i < 1000; i++) {
      assertThat(revocations.isRevoked("t-2")).isFalse();
    }

    assertThat(store.gets(k -> true)).isZero();
    assertThat(store.lists(StandardTypes.GLOBAL_SECRET)).isEqualTo(1);
  }

  @Test
  void aStoreSilentForLongerThanTheBoundFailsEveryCheckClosedWith503() {
    list(GlobalSecretSpec.of("t-0".getBytes(StandardCharsets.UTF_8)));
    secrets.awaitLoaded(WAIT);
    stalling.down.set(true);
    secrets.probe().join();

    clock.advance(Duration.ofSeconds(10));
    assertThat(revocations.isRevoked("t-1")).isFalse(); // from memory, within the bound

    clock.advance(Duration.ofSeconds(21));
    assertThatThrownBy(() -> revocations.isRevoked("t-1"))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(503);
              assertThat(e.getMessage())
                  .contains("cannot check the user token revocation list")
                  .contains("the store is unavailable");
            });

    stalling.down.set(false);
    secrets.probe().join();
    assertThat(revocations.isRevoked("t-0")).isTrue();
  }
}

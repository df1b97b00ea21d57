package io.meshfed.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import java.io.Closeable;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CircuitBreakingStoreTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final ScriptedStore backend = new ScriptedStore();
  private final CircuitBreakingStore store =
      new CircuitBreakingStore(
          backend,
          new CircuitBreakingStore.Settings(3, Duration.ofSeconds(2), Duration.ofMillis(200)),
          clock,
          timer);

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  private static Throwable failure(CompletableFuture<?> f) {
    try {
      f.join();
    } catch (CompletionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure");
  }

  @Test
  void opensAfterConsecutiveUnavailableFailuresAndThenRefusesWithoutCallingTheStore() {
    backend.answer.set(() -> CompletableFuture.failedFuture(new StoreUnavailableException("down")));
    for (int i = 0; i < 3; i++) {
      assertThat(failure(store.currentRevision())).isInstanceOf(StoreUnavailableException.class);
    }
    assertThat(store.state()).isEqualTo(CircuitBreakingStore.State.OPEN);
    assertThat(backend.calls.get()).isEqualTo(3);

    Throwable refused = failure(store.get(ResourceKey.global("Mesh", "m")));
    assertThat(refused).isInstanceOf(StoreUnavailableException.class);
    assertThat(((StoreUnavailableException) refused).outcomeUnknown()).isFalse();
    assertThat(refused.getMessage()).contains("3 consecutive failures").contains("down");
    assertThat(backend.calls.get()).isEqualTo(3);
    assertThat(store.retryAfter()).contains(Duration.ofSeconds(2));
  }

  @Test
  void answersThatAreNotAboutReachingTheStoreKeepItClosed() {
    backend.answer.set(
        () -> CompletableFuture.failedFuture(new NotFoundException("Mesh 'm' not found")));
    for (int i = 0; i < 10; i++) {
      assertThat(failure(store.currentRevision())).isInstanceOf(NotFoundException.class);
    }
    assertThat(store.state()).isEqualTo(CircuitBreakingStore.State.CLOSED);
  }

  @Test
  void aSuccessResetsTheCount() {
    AtomicInteger n = new AtomicInteger();
    backend.answer.set(
        () ->
            n.incrementAndGet() % 3 == 0
                ? CompletableFuture.completedFuture(1L)
                : CompletableFuture.failedFuture(new StoreUnavailableException("flaky")));
    for (int i = 0; i < 12; i++) {
      store.currentRevision().exceptionally(e -> 0L).join();
    }
    assertThat(store.state()).isEqualTo(CircuitBreakingStore.State.CLOSED);
  }

  @Test
  void halfOpenLetsOneTrialThroughWhoseSuccessCloses() {
    backend.answer.set(() -> CompletableFuture.failedFuture(new StoreUnavailableException("down")));
    for (int i = 0; i < 3; i++) {
      store.currentRevision().exceptionally(e -> 0L).join();
    }
    clock.advance(Duration.ofMillis(1999));
    assertThat(failure(store.currentRevision())).hasMessageContaining("refused until");
    clock.advance(Duration.ofMillis(1));

    CompletableFuture<Long> pending = new CompletableFuture<>();
    backend.answer.set(() -> pending);
    CompletableFuture<Long> trial = store.currentRevision();
    assertThat(store.state()).isEqualTo(CircuitBreakingStore.State.HALF_OPEN);
    assertThat(failure(store.currentRevision())).hasMessageContaining("trial call is in flight");
    pending.complete(42L);
    assertThat(trial.join()).isEqualTo(42L);
    assertThat(store.state()).isEqualTo(CircuitBreakingStore.State.CLOSED);
    backend.answer.set(() -> CompletableFuture.completedFuture(7L));
    assertThat(store.currentRevision().join()).isEqualTo(7L);
  }

  @Test
  void aFailedTrialOpensAgainForAnotherPeriod() {
    backend.answer.set(() -> CompletableFuture.failedFuture(new StoreUnavailableException("down")));
    for (int i = 0; i < 3; i++) {
      store.currentRevision().exceptionally(e -> 0L).join();
    }
    clock.advance(Duration.ofSeconds(2));
    int before = backend.calls.get();
    assertThat(failure(store.currentRevision())).hasMessage("down");
    assertThat(backend.calls.get()).isEqualTo(before + 1);
    assertThat(store.state()).isEqualTo(CircuitBreakingStore.State.OPEN);
    assertThat(failure(store.currentRevision())).hasMessageContaining("refused until");
    assertThat(backend.calls.get()).isEqualTo(before + 1);
  }

  @Test
  void aWriteThatMissesItsDeadlineHasAnUnknownOutcomeAReadDoesNot() {
    backend.answer.set(CompletableFuture::new); // never answers
    Resource mesh =
        new Resource(
            ResourceKey.global("Mesh", "m"), null, io.meshfed.model.spec.MeshSpec.ofMtls(null));
    Throwable write = failure(store.create(mesh));
    assertThat(write).isInstanceOf(StoreUnavailableException.class);
    assertThat(((StoreUnavailableException) write).outcomeUnknown()).isTrue();
    assertThat(write.getMessage()).contains("did not answer within PT0.2S");

    Throwable read = failure(store.get(mesh.key()));
    assertThat(((StoreUnavailableException) read).outcomeUnknown()).isFalse();
    Throwable delete = failure(store.delete(mesh.key(), 0));
    assertThat(((StoreUnavailableException) delete).outcomeUnknown()).isTrue();
    assertThat(store.state()).isEqualTo(CircuitBreakingStore.State.OPEN);
  }

  @Test
  void theStoreItselfStillDecides() {
    backend.answer.set(() -> CompletableFuture.completedFuture(5L));
    assertThat(store.currentRevision().join()).isEqualTo(5L);
    assertThatThrownBy(() -> new CircuitBreakingStore.Settings(0, Duration.ZERO, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Every call answers what the test scripts; counts calls. */
  private static final class ScriptedStore implements ResourceStore {
    final AtomicReference<java.util.function.Supplier<CompletableFuture<?>>> answer =
        new AtomicReference<>();
    final AtomicInteger calls = new AtomicInteger();

    @SuppressWarnings("unchecked")
    private <T> CompletableFuture<T> next() {
      calls.incrementAndGet();
      return (CompletableFuture<T>) answer.get().get();
    }

    @Override
    public CompletableFuture<Resource> create(Resource resource) {
      return next();
    }

    @Override
    public CompletableFuture<Resource> update(Resource resource, long expectedVersion) {
      return next();
    }

    @Override
    public CompletableFuture<Void> delete(ResourceKey key, long expectedVersion) {
      return next();
    }

    @Override
    public CompletableFuture<Optional<Resource>> get(ResourceKey key) {
      return next();
    }

    @Override
    public CompletableFuture<ResourcePage> list(ListQuery query) {
      return next();
    }

    @Override
    public Closeable watch(long fromRevision, WatchListener listener) {
      return () -> {};
    }

    @Override
    public CompletableFuture<Long> currentRevision() {
      return next();
    }

    @Override
    public void close() {}
  }
}

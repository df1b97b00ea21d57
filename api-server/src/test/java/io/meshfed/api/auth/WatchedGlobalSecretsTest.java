package io.meshfed.api.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.GlobalSecretSpec;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.WatchListener;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.CountingStore;
import io.meshfed.testing.ManualClock;
import io.meshfed.testing.StallingStore;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The watched view of GlobalSecrets on a real in-memory store, time driven by hand: the periodic
 * probe is slower than any test, so only the probes a test runs itself ({@code probe()}) count.
 */
class WatchedGlobalSecretsTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final WatchedGlobalSecrets.Settings SETTINGS =
      new WatchedGlobalSecrets.Settings(
          Duration.ofSeconds(30),
          Duration.ofSeconds(20),
          Duration.ofMillis(200),
          Duration.ofMillis(50));

  private final MemoryResourceStore memory = new MemoryResourceStore();
  private final StallingStore stalling = new StallingStore(memory);
  private final CountingStore store = new CountingStore(stalling);
  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private WatchedGlobalSecrets view;

  @AfterEach
  void stop() {
    if (view != null) {
      view.close();
    }
    scheduler.shutdownNow();
  }

  private WatchedGlobalSecrets start(ResourceStore on, WatchedGlobalSecrets.Settings settings) {
    view =
        WatchedGlobalSecrets.start(
            on,
            UserTokenSecrets::isUserTokenSecret,
            "the test secrets",
            clock,
            scheduler,
            settings);
    return view;
  }

  private Resource put(String name, String data) {
    ResourceKey key = ResourceKey.global(StandardTypes.GLOBAL_SECRET, name);
    Optional<Resource> current = memory.get(key).join();
    Resource wanted =
        new Resource(key, Meta.EMPTY, GlobalSecretSpec.of(data.getBytes(StandardCharsets.UTF_8)));
    return current.isEmpty()
        ? memory.create(wanted).join()
        : memory.update(wanted, current.get().version()).join();
  }

  private static String data(Resource r) {
    return new String(r.spec(GlobalSecretSpec.class).bytes(), StandardCharsets.UTF_8);
  }

  @Test
  void loadsTheMatchingSecretsThenFollowsUpdatesAndDeletesWithoutReadingTheStore() {
    put(UserTokenRevocations.SECRET, "a");
    put(PublishedUserTokenKeys.secretName("1"), "pem");
    put("unrelated", "x");

    start(store, SETTINGS).awaitLoaded(WAIT);
    assertThat(view.fresh())
        .containsOnlyKeys(UserTokenRevocations.SECRET, "user-token-signing-public-key-1");
    assertThat(data(view.get(UserTokenRevocations.SECRET).orElseThrow())).isEqualTo("a");

    put(UserTokenRevocations.SECRET, "a,b");
    await()
        .atMost(WAIT)
        .until(() -> data(view.get(UserTokenRevocations.SECRET).orElseThrow()).equals("a,b"));
    put("unrelated", "y");
    memory
        .delete(
            ResourceKey.global(StandardTypes.GLOBAL_SECRET, PublishedUserTokenKeys.secretName("1")),
            0)
        .join();
    await().atMost(WAIT).until(() -> view.get(PublishedUserTokenKeys.secretName("1")).isEmpty());
    assertThat(view.fresh()).containsOnlyKeys(UserTokenRevocations.SECRET);

    for (int i = 0; i < 1000; i++) {
      view.get(UserTokenRevocations.SECRET);
    }
    assertThat(store.gets(k -> true)).isZero();
    assertThat(store.lists(StandardTypes.GLOBAL_SECRET)).isEqualTo(1);
  }

  @Test
  void beforeTheFirstListItFailsClosedThenLoadsOnceTheStoreAnswers() {
    put(UserTokenRevocations.SECRET, "a");
    stalling.down.set(true);

    start(store, SETTINGS);
    assertThatThrownBy(view::fresh)
        .isInstanceOf(WatchedGlobalSecrets.StaleSecretsException.class)
        .hasMessageContaining("has not been loaded");

    await().atMost(WAIT).until(() -> store.lists(StandardTypes.GLOBAL_SECRET) >= 2);
    stalling.down.set(false);
    view.awaitLoaded(WAIT);
    assertThat(data(view.get(UserTokenRevocations.SECRET).orElseThrow())).isEqualTo("a");
  }

  @Test
  void answersFromMemoryWhileTheStoreHangsThenFailsClosedPastTheBoundAndRecovers() {
    put(UserTokenRevocations.SECRET, "a");
    start(store, SETTINGS).awaitLoaded(WAIT);

    stalling.down.set(true);
    view.probe().join(); // times out: not confirmed
    clock.advance(Duration.ofSeconds(29));
    assertThat(data(view.get(UserTokenRevocations.SECRET).orElseThrow())).isEqualTo("a");

    clock.advance(Duration.ofSeconds(2));
    assertThatThrownBy(view::fresh)
        .isInstanceOf(WatchedGlobalSecrets.StaleSecretsException.class)
        .hasMessageContaining("may be out of date")
        .hasMessageContaining("30s");

    stalling.down.set(false);
    view.probe().join();
    assertThat(data(view.get(UserTokenRevocations.SECRET).orElseThrow())).isEqualTo("a");
  }

  @Test
  void aProbeThatAnswersKeepsAnIdleViewFresh() {
    start(store, SETTINGS).awaitLoaded(WAIT);
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofSeconds(20));
      view.probe().join();
      assertThat(view.fresh()).isEmpty();
    }
  }

  @Test
  void aStoppedWatchIsNotConfirmedByProbesAndIsListedAgain() {
    WatchBreakingStore breaking = new WatchBreakingStore(store);
    WatchedGlobalSecrets.Settings slowRetry =
        new WatchedGlobalSecrets.Settings(
            Duration.ofSeconds(30),
            Duration.ofSeconds(20),
            Duration.ofMillis(200),
            Duration.ofSeconds(2));
    start(breaking, slowRetry).awaitLoaded(WAIT);

    breaking.breakWatch();
    clock.advance(Duration.ofSeconds(31));
    view.probe().join(); // the store answers, but the view is not watching
    assertThatThrownBy(view::fresh).isInstanceOf(WatchedGlobalSecrets.StaleSecretsException.class);

    put(UserTokenRevocations.SECRET, "late");
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertThat(store.lists(StandardTypes.GLOBAL_SECRET)).isEqualTo(2);
              assertThat(data(view.get(UserTokenRevocations.SECRET).orElseThrow()))
                  .isEqualTo("late");
            });
  }

  /** Hands out watches it can stop for good, as a store that gave up would. */
  private static final class WatchBreakingStore implements ResourceStore {
    private final ResourceStore delegate;
    private final AtomicReference<WatchListener> last = new AtomicReference<>();

    WatchBreakingStore(ResourceStore delegate) {
      this.delegate = delegate;
    }

    void breakWatch() {
      last.get().onClosed(new IllegalStateException("watch gone"));
    }

    @Override
    public CompletableFuture<Resource> create(Resource resource) {
      return delegate.create(resource);
    }

    @Override
    public CompletableFuture<Resource> update(Resource resource, long expectedVersion) {
      return delegate.update(resource, expectedVersion);
    }

    @Override
    public CompletableFuture<Void> delete(ResourceKey key, long expectedVersion) {
      return delegate.delete(key, expectedVersion);
    }

    @Override
    public CompletableFuture<Optional<Resource>> get(ResourceKey key) {
      return delegate.get(key);
    }

    @Override
    public CompletableFuture<ResourcePage> list(ListQuery query) {
      return delegate.list(query);
    }

    @Override
    public Closeable watch(long fromRevision, WatchListener listener) {
      last.set(listener);
      return delegate.watch(fromRevision, listener);
    }

    @Override
    public CompletableFuture<Long> currentRevision() {
      return delegate.currentRevision();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}

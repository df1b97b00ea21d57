package io.meshfed.global.kds.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.global.auth.UserTokenIssuer;
import io.meshfed.global.kds.tls.GlobalSecrets;
import io.meshfed.kds.pki.Pem;
import io.meshfed.store.memory.MemoryResourceStore;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class SigningKeyPrefetchTest {
  private static final String ZONE = ZoneTokenSigningKey.secretName("1");
  private static final String USER = UserTokenIssuer.SIGNING_KEY_SECRET;

  private final MemoryResourceStore store = new MemoryResourceStore();

  /** Runs what it is given only when told to: the test decides when "the background" works. */
  private static final class ManualExecutor implements Executor {
    final Queue<Runnable> queued = new ArrayDeque<>();

    @Override
    public void execute(Runnable command) {
      queued.add(command);
    }

    void runAll() {
      for (Runnable r; (r = queued.poll()) != null; ) {
        r.run();
      }
    }
  }

  /** Real RSA keys (the test checks the stored one is the prefetched one), counted. */
  private static final class CountingGenerator implements Supplier<PrivateKey> {
    final AtomicInteger calls = new AtomicInteger();
    final List<PrivateKey> keys =
        List.of(ZoneTokenSigningKey.newPrivateKey(), ZoneTokenSigningKey.newPrivateKey());

    @Override
    public PrivateKey get() {
      return keys.get(calls.getAndIncrement() % keys.size());
    }
  }

  @Test
  void generatesTheMissingKeysOnTheExecutorAndStoresThoseOnes() {
    ManualExecutor executor = new ManualExecutor();
    CountingGenerator generator = new CountingGenerator();
    SigningKeyPrefetch prefetch =
        SigningKeyPrefetch.start(store, List.of(ZONE, USER), executor, generator);

    // nothing generated on the caller's thread: both keys wait for the executor
    assertThat(generator.calls).hasValue(0);
    assertThat(executor.queued).hasSize(2);
    assertThat(prefetch.pendingNames()).containsExactlyInAnyOrder(ZONE, USER);

    executor.runAll();
    ZoneTokenSigningKey zoneKey =
        ZoneTokenSigningKey.loadOrCreate(store, prefetch.generatorFor(ZONE));
    UserTokenIssuer users =
        UserTokenIssuer.loadOrCreate(store, Clock.systemUTC(), prefetch.generatorFor(USER));

    assertThat(generator.calls).hasValue(2); // the two background ones, none more
    assertThat(List.of(zoneKey.privateKey(), users.signingKey().privateKey()))
        .containsExactlyInAnyOrderElementsOf(generator.keys);
    assertThat(prefetch.pendingNames()).isEmpty();
    assertThat(stored(ZONE)).isEqualTo(Pem.privateKey(zoneKey.privateKey()));
  }

  @Test
  void aKeyTheStoreHoldsIsNotGeneratedAgain() {
    ZoneTokenSigningKey existing = ZoneTokenSigningKey.loadOrCreate(store);
    ManualExecutor executor = new ManualExecutor();
    CountingGenerator generator = new CountingGenerator();

    SigningKeyPrefetch prefetch =
        SigningKeyPrefetch.start(store, List.of(ZONE, USER), executor, generator);

    assertThat(prefetch.pendingNames()).containsExactly(USER);
    assertThat(executor.queued).hasSize(1);
    executor.runAll();
    assertThat(ZoneTokenSigningKey.loadOrCreate(store, prefetch.generatorFor(ZONE)).privateKey())
        .isEqualTo(existing.privateKey());
    assertThat(generator.calls).hasValue(1);
  }

  @Test
  void aSecondRequestForTheSameNameGeneratesAtOnce() {
    ManualExecutor executor = new ManualExecutor();
    CountingGenerator generator = new CountingGenerator();
    SigningKeyPrefetch prefetch =
        SigningKeyPrefetch.start(store, List.of(ZONE), executor, generator);
    executor.runAll();

    PrivateKey first = prefetch.generatorFor(ZONE).get();
    PrivateKey second = prefetch.generatorFor(ZONE).get();

    assertThat(first).isNotEqualTo(second);
    assertThat(generator.calls).hasValue(2);
  }

  @Test
  void aFailedBackgroundGenerationNamesTheSecret() {
    ManualExecutor executor = new ManualExecutor();
    SigningKeyPrefetch prefetch =
        SigningKeyPrefetch.start(
            store,
            List.of(USER),
            executor,
            () -> {
              throw new IllegalStateException("no entropy");
            });
    executor.runAll();

    assertThatThrownBy(() -> prefetch.generatorFor(USER).get())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("GlobalSecret '" + USER + "'")
        .hasMessageContaining("no entropy");
    assertThat(GlobalSecrets.read(store, USER)).isEmpty();
  }

  @Test
  void closeCancelsWhatNobodyTook() {
    ManualExecutor executor = new ManualExecutor();
    CountingGenerator generator = new CountingGenerator();
    SigningKeyPrefetch prefetch =
        SigningKeyPrefetch.start(store, List.of(ZONE, USER), executor, generator);

    prefetch.close();
    executor.runAll(); // a cancelled supplyAsync does not run its supplier

    assertThat(generator.calls).hasValue(0);
    assertThat(prefetch.pendingNames()).isEmpty();
  }

  private String stored(String name) {
    return new String(GlobalSecrets.read(store, name).orElseThrow().data(), StandardCharsets.UTF_8);
  }
}

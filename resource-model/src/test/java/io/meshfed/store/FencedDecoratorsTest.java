package io.meshfed.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.GlobalSecretSpec;
import io.meshfed.store.crypto.EncryptingStore;
import io.meshfed.store.crypto.SecretsCipher;
import io.meshfed.store.crypto.SecretsKey;
import io.meshfed.store.crypto.SecretsKeyring;
import io.meshfed.store.ha.Fence;
import io.meshfed.store.ha.FencedException;
import io.meshfed.store.memory.MemoryResourceStore;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The store decorators around a fenced view: each wraps its delegate's view (so writes are fenced
 * and still decorated), returns itself over a one-process store, and closing its view leaves the
 * store open.
 */
class FencedDecoratorsTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ResourceCodec CODEC = new ResourceCodec(StandardTypes.registry());
  private static final ResourceKey SECRET = ResourceKey.global(StandardTypes.GLOBAL_SECRET, "s1");

  private final MemoryResourceStore memory = new MemoryResourceStore();
  private final FencingStore fencing = new FencingStore(memory);
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final SwitchFence fence = new SwitchFence();

  @AfterEach
  void stop() {
    timer.shutdownNow();
    memory.close();
  }

  private static Resource secret(String value) {
    return new Resource(
        SECRET, Meta.EMPTY, GlobalSecretSpec.of(value.getBytes(StandardCharsets.UTF_8)));
  }

  private static Resource mesh(String name) {
    return CODEC.decodeOne("type: Mesh\nname: " + name + "\n");
  }

  private CircuitBreakingStore breaker(ResourceStore delegate) {
    return new CircuitBreakingStore(
        delegate,
        new CircuitBreakingStore.Settings(2, Duration.ofSeconds(30), Duration.ofSeconds(5)),
        new MutableClock(Instant.parse("2026-01-01T00:00:00Z")),
        timer);
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
  void overAOneProcessStoreEachDecoratorIsItsOwnFencedView() {
    EncryptingStore encrypting =
        new EncryptingStore(
            memory, new SecretsCipher(SecretsKeyring.of(SecretsKey.generate(RANDOM)), RANDOM));
    CircuitBreakingStore breaking = breaker(memory);
    ForwardingStore forwarding = new ForwardingStore(memory) {};

    assertThat(encrypting.fenced(fence)).isSameAs(encrypting);
    assertThat(breaking.fenced(fence)).isSameAs(breaking);
    assertThat(forwarding.fenced(fence)).isSameAs(forwarding);
  }

  @Test
  void encryptingViewEncryptsFencedWritesAndClosingItLeavesTheStoreOpen() {
    EncryptingStore encrypting =
        new EncryptingStore(
            fencing, new SecretsCipher(SecretsKeyring.of(SecretsKey.generate(RANDOM)), RANDOM));
    ResourceStore view = encrypting.fenced(fence);
    assertThat(view).isNotSameAs(encrypting).isInstanceOf(EncryptingStore.class);

    view.create(secret("s3cret")).join();
    String stored = ((GlobalSecretSpec) memory.get(SECRET).join().orElseThrow().spec()).data();
    assertThat(stored)
        .isNotEqualTo(GlobalSecretSpec.of("s3cret".getBytes(StandardCharsets.UTF_8)).data());
    assertThat(view.get(SECRET).join().orElseThrow().spec())
        .isEqualTo(GlobalSecretSpec.of("s3cret".getBytes(StandardCharsets.UTF_8)));
    assertThat(fencing.fencedWrites).isEqualTo(1);

    fence.held = false;
    assertThat(failure(view.update(secret("other"), 0))).isInstanceOf(FencedException.class);

    view.close();
    assertThat(encrypting.get(SECRET).join()).isPresent();
    encrypting.create(mesh("default")).join();
  }

  @Test
  void breakingViewSharesTheCircuitAndARefusedWriteIsNoFailure() {
    CircuitBreakingStore breaking = breaker(fencing);
    ResourceStore view = breaking.fenced(fence);
    assertThat(view).isNotSameAs(breaking);

    view.create(mesh("default")).join();
    assertThat(fencing.fencedWrites).isEqualTo(1);

    fence.held = false;
    for (int i = 0; i < 3; i++) {
      assertThat(failure(view.create(mesh("m" + i)))).isInstanceOf(FencedException.class);
    }
    assertThat(breaking.state()).isEqualTo(CircuitBreakingStore.State.CLOSED);

    // failures through the view open the one circuit, which then refuses the store's own calls
    fence.held = true;
    fencing.unavailable = true;
    failure(view.create(mesh("a")));
    failure(view.create(mesh("b")));
    assertThat(breaking.state()).isEqualTo(CircuitBreakingStore.State.OPEN);
    assertThat(failure(breaking.get(ResourceKey.global(StandardTypes.MESH, "default"))))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("refused");

    view.close();
    assertThat(memory.get(ResourceKey.global(StandardTypes.MESH, "default")).join()).isPresent();
  }

  /** A fence the test switches. */
  private static final class SwitchFence implements Fence {
    volatile boolean held = true;

    @Override
    public String key() {
      return "/test/ha/leader/global";
    }

    @Override
    public long revision() {
      return 7;
    }

    @Override
    public boolean held() {
      return held;
    }
  }

  /** Stands for a shared store: its fenced view refuses writes once the fence is gone. */
  private static final class FencingStore extends ForwardingStore {
    int fencedWrites;
    volatile boolean unavailable;

    FencingStore(ResourceStore delegate) {
      super(delegate);
    }

    @Override
    public ResourceStore fenced(Fence f) {
      FencingStore outer = this;
      return new ForwardingStore(delegate()) {
        private <T> CompletableFuture<T> write(
            java.util.function.Supplier<CompletableFuture<T>> w) {
          if (outer.unavailable) {
            return CompletableFuture.failedFuture(new StoreUnavailableException("etcd is down"));
          }
          if (!f.held()) {
            return CompletableFuture.failedFuture(new FencedException("fence gone"));
          }
          outer.fencedWrites++;
          return w.get();
        }

        @Override
        public CompletableFuture<Resource> create(Resource resource) {
          return write(() -> delegate().create(resource));
        }

        @Override
        public CompletableFuture<Resource> update(Resource resource, long expectedVersion) {
          return write(() -> delegate().update(resource, expectedVersion));
        }

        @Override
        public CompletableFuture<Void> delete(ResourceKey key, long expectedVersion) {
          return write(() -> delegate().delete(key, expectedVersion));
        }

        @Override
        public void close() {} // a view closes nothing
      };
    }
  }
}

package io.meshfed.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.GlobalSecretSpec;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.crypto.SecretsKeySource;
import io.meshfed.store.etcd.ha.EtcdCoordination;
import io.meshfed.store.ha.Coordination;
import io.meshfed.store.ha.Fence;
import io.meshfed.store.ha.FencedException;
import io.meshfed.store.ha.LocalCoordination;
import io.meshfed.store.ha.Term;
import io.meshfed.testing.EtcdExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A control plane's store and coordination opened from one set of settings fit together: a term's
 * fence names a key under the same etcd prefix, and the store's full decorator chain (secrets
 * encryption over etcd) writes through the fenced view.
 */
@Timeout(60)
class StoresCoordinationIT {
  @RegisterExtension static final EtcdExtension ETCD = new EtcdExtension();

  @TempDir Path dir;

  private Stores.Settings settings(Stores.Kind kind) {
    String prefix = "/meshfed-stores-it/" + UUID.randomUUID();
    return new Stores.Settings() {
      @Override
      public Stores.Kind storeKind() {
        return kind;
      }

      @Override
      public Path dataDir() {
        return dir;
      }

      @Override
      public List<String> etcdEndpoints() {
        return List.of(ETCD.clientUrl());
      }

      @Override
      public String etcdPrefix() {
        return prefix;
      }

      @Override
      public String etcdUsername() {
        return null;
      }

      @Override
      public String etcdPassword() {
        return null;
      }

      @Override
      public SecretsKeySource secretsKeys() {
        return new SecretsKeySource(null, null, null, dir.resolve("secrets.key"));
      }

      @Override
      public Duration haLeaseTtl() {
        return Duration.ofSeconds(2);
      }
    };
  }

  private static Resource secret(String value) {
    return new Resource(
        ResourceKey.global(StandardTypes.GLOBAL_SECRET, "s1"),
        Meta.EMPTY,
        GlobalSecretSpec.of(value.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void onEtcdTheLeadersFencedViewWritesThroughTheWholeStoreChain() {
    Stores.Settings settings = settings(Stores.Kind.ETCD);
    try (ResourceStore store =
            Stores.open(settings, "global", StandardTypes.registry(), Clock.systemUTC());
        Coordination coordination = Stores.coordination(settings, "cp-a")) {
      assertThat(coordination).isInstanceOf(EtcdCoordination.class);
      AtomicReference<Term> term = new AtomicReference<>();
      coordination.elector("global").onLeadership(term::set);
      await().atMost(Duration.ofSeconds(10)).until(() -> term.get() != null);
      assertThat(term.get().key()).isEqualTo(settings.etcdPrefix() + "/ha/leader/global");

      ResourceStore view = store.fenced(term.get());
      view.create(secret("s3cret")).join();
      assertThat(store.get(secret("x").key()).join().orElseThrow().spec())
          .isEqualTo(GlobalSecretSpec.of("s3cret".getBytes(StandardCharsets.UTF_8)));

      Fence older = new StaleFence(term.get().key(), term.get().revision() - 1);
      assertThatThrownBy(() -> store.fenced(older).update(secret("other"), 0).join())
          .isInstanceOf(CompletionException.class)
          .hasCauseInstanceOf(FencedException.class);
      view.close();
      assertThat(store.get(secret("x").key()).join()).isPresent();
    }
  }

  @Test
  void aOneProcessStoreGetsALocalCoordinationAndIsItsOwnFencedView() {
    Stores.Settings settings = settings(Stores.Kind.MEMORY);
    try (ResourceStore store =
            Stores.open(settings, "global", StandardTypes.registry(), Clock.systemUTC());
        Coordination coordination = Stores.coordination(settings, "cp-a")) {
      assertThat(coordination).isInstanceOf(LocalCoordination.class);
      assertThat(coordination.elector("global").isLeader()).isTrue();
      AtomicReference<Term> term = new AtomicReference<>();
      coordination.elector("global").onLeadership(term::set);
      assertThat(store.fenced(term.get())).isSameAs(store);
    }
  }

  private record StaleFence(String key, long revision) implements Fence {
    @Override
    public boolean held() {
      return true;
    }
  }
}

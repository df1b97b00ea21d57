package io.meshfed.store.etcd;

import io.meshfed.model.TypeRegistry;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.crypto.SecretsAtRest;
import io.meshfed.store.crypto.SecretsKeySource;
import io.meshfed.store.embedded.EmbeddedResourceStore;
import io.meshfed.store.etcd.ha.EtcdCoordination;
import io.meshfed.store.ha.Coordination;
import io.meshfed.store.ha.LocalCoordination;
import io.meshfed.store.memory.MemoryResourceStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Opens the store a control plane's settings ask for: embedded, memory, or etcd under a prefix. */
public final class Stores {
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

  private Stores() {}

  /** Where resources are kept. */
  public enum Kind {
    EMBEDDED,
    MEMORY,
    ETCD
  }

  /** The store settings of a control plane; its configuration implements them. */
  public interface Settings {
    Kind storeKind();

    /** The embedded store's directory (unused by the other kinds). */
    Path dataDir();

    List<String> etcdEndpoints();

    /** meshfed's key prefix; resources live under {@code <prefix>/r}. */
    String etcdPrefix();

    /** etcd user, or null without authentication. */
    String etcdUsername();

    String etcdPassword();

    SecretsKeySource secretsKeys();

    /**
     * The TTL of each process's etcd session lease: a dead or cut-off replica's leaderships and
     * leased keys go within it (etcd only).
     */
    default Duration haLeaseTtl() {
      return EtcdCoordination.Options.DEFAULT_LEASE_TTL;
    }
  }

  /**
   * The coordination of this process's replicas: on etcd, elections and leased keys under {@code
   * etcd-prefix}/ha with a session lease of {@link Settings#haLeaseTtl()}; for the embedded and
   * memory stores, which one process uses, a {@link LocalCoordination} (always leader).
   *
   * @param instanceId this process's id, unique among the replicas
   */
  public static Coordination coordination(Settings settings, String instanceId) {
    if (settings.storeKind() != Kind.ETCD) {
      return new LocalCoordination(instanceId);
    }
    EtcdCoordination.Options options =
        EtcdCoordination.Options.of(
                settings.etcdPrefix(), settings.etcdEndpoints().toArray(String[]::new))
            .withLeaseTtl(settings.haLeaseTtl());
    if (settings.etcdUsername() != null) {
      options = options.withCredentials(settings.etcdUsername(), settings.etcdPassword());
    }
    return EtcdCoordination.connect(options, instanceId);
  }

  /**
   * The embedded store under {@code data-dir}, the memory store, or a connection to etcd under
   * {@code etcd-prefix}/r, behind the encryption of secrets at rest ({@link SecretsAtRest}: checks
   * that the first stored secrets open with the configured keys; a key rotation completes in the
   * background). On failure the opened store is closed again.
   *
   * @param role {@code global} or {@code zone}, for messages
   * @throws IllegalStateException when stored secrets cannot be decrypted (the message names the
   *     key they need)
   * @throws IllegalArgumentException when a secrets key file is missing or malformed
   */
  public static ResourceStore open(
      Settings settings, String role, TypeRegistry registry, Clock clock) {
    ResourceStore raw = openRaw(settings, registry, clock);
    try {
      return SecretsAtRest.open(raw, settings.secretsKeys(), role, STARTUP_TIMEOUT);
    } catch (RuntimeException e) {
      raw.close();
      throw e;
    }
  }

  private static ResourceStore openRaw(Settings settings, TypeRegistry registry, Clock clock) {
    switch (settings.storeKind()) {
      case EMBEDDED:
        return EmbeddedResourceStore.open(settings.dataDir(), registry, clock);
      case MEMORY:
        return new MemoryResourceStore(clock, MemoryResourceStore.DEFAULT_HISTORY);
      default:
        EtcdStoreOptions options =
            EtcdStoreOptions.of(settings.etcdEndpoints().toArray(String[]::new))
                .withPrefix(settings.etcdPrefix() + "/r");
        if (settings.etcdUsername() != null) {
          options = options.withCredentials(settings.etcdUsername(), settings.etcdPassword());
        }
        EtcdResourceStore store = EtcdResourceStore.connect(options, registry, clock);
        try {
          store.indexHiddenResources().get(STARTUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
          store.close();
          throw new IllegalStateException(
              "etcd store under "
                  + options.prefix()
                  + ": cannot index the hidden resources written by an earlier version: "
                  + (e instanceof ExecutionException ? e.getCause() : e),
              e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          store.close();
          throw new IllegalStateException("interrupted while opening the etcd store", e);
        }
        return store;
    }
  }
}

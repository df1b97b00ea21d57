package io.meshfed.store.crypto;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.spec.GlobalSecretSpec;
import io.meshfed.model.spec.SecretSpec;
import io.meshfed.store.ListQuery;
import io.meshfed.store.Put;
import io.meshfed.store.ResourceEvent;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.WatchListener;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ResourceStore} decorator that keeps the {@code data} of every {@code Secret} and {@code
 * GlobalSecret} encrypted in the store it wraps (see {@link SecretsCipher}) and plain for its
 * callers: writes encrypt, gets, lists and watch events decrypt. Other types pass through
 * untouched; versions, conflicts and watch order are the wrapped store's.
 *
 * <p>A value that cannot be decrypted fails a get or list with {@link SecretDecryptionException};
 * in a watch, the change is logged and left out (a delete is passed on without its last state), so
 * one bad value never stops a watch. {@link SecretsAtRest#open} checks the first stored values
 * before a control plane starts, so this only happens when values under a foreign key sit deeper in
 * the store (another process wrote with its own key, or a previous key was dropped before its
 * rotation was done). Stateless besides its delegate and a closed flag: safe from any thread.
 */
public final class EncryptingStore implements ResourceStore {
  private static final Logger log = LoggerFactory.getLogger(EncryptingStore.class);

  private final ResourceStore delegate;
  private final SecretsCipher cipher;
  private final AtomicBoolean closed = new AtomicBoolean();

  public EncryptingStore(ResourceStore delegate, SecretsCipher cipher) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.cipher = Objects.requireNonNull(cipher, "cipher");
  }

  /** The wrapped store, which holds the encrypted values. */
  public ResourceStore delegate() {
    return delegate;
  }

  SecretsKeyring cipherKeys() {
    return cipher.keys();
  }

  /** True for the types whose {@code data} is encrypted. */
  public static boolean isSecret(Resource r) {
    return r.spec() instanceof SecretSpec || r.spec() instanceof GlobalSecretSpec;
  }

  @Override
  public CompletableFuture<Resource> create(Resource resource) {
    if (!isSecret(resource)) {
      return delegate.create(resource);
    }
    return delegate.create(encrypt(resource)).thenApply(stored -> stored.withSpec(resource.spec()));
  }

  @Override
  public CompletableFuture<Resource> update(Resource resource, long expectedVersion) {
    if (!isSecret(resource)) {
      return delegate.update(resource, expectedVersion);
    }
    return delegate
        .update(encrypt(resource), expectedVersion)
        .thenApply(stored -> stored.withSpec(resource.spec()));
  }

  /** {@code checkExisting} sees the stored resource decrypted, as a {@code get} returns it. */
  @Override
  public CompletableFuture<Put> put(
      Resource resource, long expectedVersion, Consumer<Resource> checkExisting) {
    Consumer<Resource> check = stored -> checkExisting.accept(decrypt(stored));
    if (!isSecret(resource)) {
      return delegate.put(resource, expectedVersion, check);
    }
    return delegate
        .put(encrypt(resource), expectedVersion, check)
        .thenApply(p -> new Put(p.resource().withSpec(resource.spec()), p.created()));
  }

  @Override
  public CompletableFuture<Void> delete(ResourceKey key, long expectedVersion) {
    return delegate.delete(key, expectedVersion);
  }

  /** {@code checkExisting} sees the stored resource decrypted, as a {@code get} returns it. */
  @Override
  public CompletableFuture<Void> delete(
      ResourceKey key, long expectedVersion, Consumer<Resource> checkExisting) {
    return delegate.delete(key, expectedVersion, stored -> checkExisting.accept(decrypt(stored)));
  }

  @Override
  public CompletableFuture<Optional<Resource>> get(ResourceKey key) {
    return delegate.get(key).thenApply(found -> found.map(this::decrypt));
  }

  @Override
  public CompletableFuture<ResourcePage> list(ListQuery query) {
    return delegate
        .list(query)
        .thenApply(
            page ->
                new ResourcePage(
                    page.items().stream().map(this::decrypt).toList(),
                    page.total(),
                    page.nextOffset(),
                    page.revision()));
  }

  @Override
  public Closeable watch(long fromRevision, WatchListener listener) {
    return delegate.watch(fromRevision, new DecryptingListener(listener));
  }

  @Override
  public CompletableFuture<Long> currentRevision() {
    return delegate.currentRevision();
  }

  /**
   * Encrypts around the delegate's fenced view (itself when the delegate's view is the delegate).
   */
  @Override
  public ResourceStore fenced(io.meshfed.store.ha.Fence fence) {
    ResourceStore view = delegate.fenced(fence);
    return view == delegate ? this : new EncryptingStore(view, cipher);
  }

  @Override
  public void close() {
    closed.set(true);
    delegate.close();
  }

  /** True once {@link #close} was called (a background re-encryption then stops). */
  boolean isClosed() {
    return closed.get();
  }

  /** {@code r} with its data encrypted under the current key. */
  Resource encrypt(Resource r) {
    return mapData(r, (key, data) -> cipher.encrypt(key, data));
  }

  /** {@code r} with its data decrypted; other types unchanged. */
  Resource decrypt(Resource r) {
    return mapData(r, cipher::decrypt);
  }

  private static Resource mapData(Resource r, BiFunction<ResourceKey, String, String> f) {
    if (r.spec() instanceof SecretSpec s && s.data() != null) {
      return r.withSpec(new SecretSpec(f.apply(r.key(), s.data())));
    }
    if (r.spec() instanceof GlobalSecretSpec s && s.data() != null) {
      return r.withSpec(new GlobalSecretSpec(f.apply(r.key(), s.data())));
    }
    return r;
  }

  /** Decrypts what a watch delivers; runs on the wrapped store's watch thread. */
  private final class DecryptingListener implements WatchListener {
    private final WatchListener target;

    DecryptingListener(WatchListener target) {
      this.target = target;
    }

    @Override
    public void onEvents(List<ResourceEvent> events) {
      List<ResourceEvent> out = new ArrayList<>(events.size());
      for (ResourceEvent e : events) {
        if (e.resource() == null || !isSecret(e.resource())) {
          out.add(e);
          continue;
        }
        Optional<Resource> plain = tryDecrypt(e.resource(), e.revision());
        if (plain.isPresent()) {
          out.add(new ResourceEvent(e.kind(), e.key(), plain.get(), e.revision()));
        } else if (e.kind() == ResourceEvent.Kind.DELETE) {
          out.add(ResourceEvent.delete(e.key(), null, e.revision()));
        }
      }
      if (!out.isEmpty()) {
        target.onEvents(out);
      }
    }

    @Override
    public void onReset(List<Resource> all, long revision) {
      List<Resource> out = new ArrayList<>(all.size());
      for (Resource r : all) {
        tryDecrypt(r, revision).ifPresent(out::add);
      }
      target.onReset(out, revision);
    }

    @Override
    public void onClosed(Throwable cause) {
      target.onClosed(cause);
    }

    private Optional<Resource> tryDecrypt(Resource r, long revision) {
      try {
        return Optional.of(decrypt(r));
      } catch (SecretDecryptionException e) {
        log.error("watch: leaving out {} at revision {}: {}", r.key(), revision, e.getMessage());
        return Optional.empty();
      }
    }
  }
}

package io.meshfed.testing;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.WatchListener;
import java.io.Closeable;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A store whose backend can be made to hang, as a store behind a dead network does: while {@code
 * down}, every call is accepted and never answered; while {@code writesHang}, only writes. Counts
 * the calls that reached it while down.
 */
public final class StallingStore implements ResourceStore {
  private final ResourceStore delegate;

  /** Every call is accepted and never answered (watches still pass through). */
  public final AtomicBoolean down = new AtomicBoolean();

  /** Reads answer, writes are accepted and never answered. */
  public final AtomicBoolean writesHang = new AtomicBoolean();

  public final AtomicInteger callsWhileDown = new AtomicInteger();

  public StallingStore(ResourceStore delegate) {
    this.delegate = delegate;
  }

  private <T> CompletableFuture<T> write(Supplier<CompletableFuture<T>> op) {
    return writesHang.get() ? new CompletableFuture<>() : call(op);
  }

  private <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> op) {
    if (down.get()) {
      callsWhileDown.incrementAndGet();
      return new CompletableFuture<>();
    }
    return op.get();
  }

  @Override
  public CompletableFuture<Resource> create(Resource resource) {
    return write(() -> delegate.create(resource));
  }

  @Override
  public CompletableFuture<Resource> update(Resource resource, long expectedVersion) {
    return write(() -> delegate.update(resource, expectedVersion));
  }

  @Override
  public CompletableFuture<Void> delete(ResourceKey key, long expectedVersion) {
    return write(() -> delegate.delete(key, expectedVersion));
  }

  @Override
  public CompletableFuture<Optional<Resource>> get(ResourceKey key) {
    return call(() -> delegate.get(key));
  }

  @Override
  public CompletableFuture<ResourcePage> list(ListQuery query) {
    return call(() -> delegate.list(query));
  }

  @Override
  public Closeable watch(long fromRevision, WatchListener listener) {
    return delegate.watch(fromRevision, listener);
  }

  @Override
  public CompletableFuture<Long> currentRevision() {
    return call(delegate::currentRevision);
  }

  @Override
  public void close() {
    delegate.close();
  }
}

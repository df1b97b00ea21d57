package io.meshfed.store.crypto;

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

/**
 * Counts the stored values read through it (list items and gets); {@link #close} closes this view
 * only: later calls fail as on a closed store, the wrapped store stays open.
 */
final class CountingStore implements ResourceStore {
  final AtomicInteger read = new AtomicInteger();
  private final ResourceStore delegate;
  private final AtomicBoolean closed = new AtomicBoolean();

  CountingStore(ResourceStore delegate) {
    this.delegate = delegate;
  }

  private void open() {
    if (closed.get()) {
      throw new IllegalStateException("the store is closed");
    }
  }

  @Override
  public CompletableFuture<Resource> create(Resource resource) {
    open();
    return delegate.create(resource);
  }

  @Override
  public CompletableFuture<Resource> update(Resource resource, long expectedVersion) {
    open();
    return delegate.update(resource, expectedVersion);
  }

  @Override
  public CompletableFuture<Void> delete(ResourceKey key, long expectedVersion) {
    open();
    return delegate.delete(key, expectedVersion);
  }

  @Override
  public CompletableFuture<Optional<Resource>> get(ResourceKey key) {
    open();
    return delegate
        .get(key)
        .thenApply(
            found -> {
              found.ifPresent(r -> read.incrementAndGet());
              return found;
            });
  }

  @Override
  public CompletableFuture<ResourcePage> list(ListQuery query) {
    open();
    return delegate
        .list(query)
        .thenApply(
            page -> {
              read.addAndGet(page.items().size());
              return page;
            });
  }

  @Override
  public Closeable watch(long fromRevision, WatchListener listener) {
    open();
    return delegate.watch(fromRevision, listener);
  }

  @Override
  public CompletableFuture<Long> currentRevision() {
    open();
    return delegate.currentRevision();
  }

  @Override
  public void close() {
    closed.set(true);
  }
}

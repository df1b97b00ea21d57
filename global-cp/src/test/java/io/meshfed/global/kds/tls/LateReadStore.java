package io.meshfed.global.kds.tls;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.WatchListener;
import java.io.Closeable;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A store whose first {@code get} of each key misses: the way a replica sees the store when another
 * replica creates the same secret between its read and its create. Everything else goes to the
 * delegate.
 */
final class LateReadStore implements ResourceStore {
  private final ResourceStore delegate;
  private final Set<ResourceKey> seen = ConcurrentHashMap.newKeySet();

  LateReadStore(ResourceStore delegate) {
    this.delegate = delegate;
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
    if (seen.add(key)) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return delegate.get(key);
  }

  @Override
  public CompletableFuture<ResourcePage> list(ListQuery query) {
    return delegate.list(query);
  }

  @Override
  public Closeable watch(long fromRevision, WatchListener listener) {
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

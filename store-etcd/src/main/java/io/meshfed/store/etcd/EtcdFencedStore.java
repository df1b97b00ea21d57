package io.meshfed.store.etcd;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.store.ListQuery;
import io.meshfed.store.Put;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.WatchListener;
import io.meshfed.store.ha.Fence;
import java.io.Closeable;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The view of an {@link EtcdResourceStore} made by {@link EtcdResourceStore#fenced}: writes carry
 * the fence into their transaction, reads and watches go to the store unchanged, and closing the
 * view leaves the store open (it belongs to the process, the view to one term or claim).
 */
final class EtcdFencedStore implements ResourceStore {
  private final EtcdResourceStore store;
  private final Fence fence;

  EtcdFencedStore(EtcdResourceStore store, Fence fence) {
    this.store = store;
    this.fence = fence;
  }

  @Override
  public CompletableFuture<Resource> create(Resource resource) {
    return store.create(resource, fence);
  }

  @Override
  public CompletableFuture<Resource> update(Resource resource, long expectedVersion) {
    return store.update(resource, expectedVersion, fence);
  }

  @Override
  public CompletableFuture<Put> put(
      Resource resource, long expectedVersion, Consumer<Resource> checkExisting) {
    return store.put(resource, expectedVersion, checkExisting, fence);
  }

  @Override
  public CompletableFuture<Void> delete(ResourceKey key, long expectedVersion) {
    return store.delete(key, expectedVersion, fence);
  }

  @Override
  public CompletableFuture<Optional<Resource>> get(ResourceKey key) {
    return store.get(key);
  }

  @Override
  public CompletableFuture<ResourcePage> list(ListQuery query) {
    return store.list(query);
  }

  @Override
  public Closeable watch(long fromRevision, WatchListener listener) {
    return store.watch(fromRevision, listener);
  }

  @Override
  public CompletableFuture<Long> currentRevision() {
    return store.currentRevision();
  }

  @Override
  public ResourceStore fenced(Fence other) {
    return store.fenced(other);
  }

  /** Closes nothing: the store stays open for the process and its other views. */
  @Override
  public void close() {}

  @Override
  public String toString() {
    return "EtcdFencedStore[" + fence.key() + "@" + fence.revision() + "]";
  }
}

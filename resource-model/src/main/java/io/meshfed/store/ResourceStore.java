package io.meshfed.store;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.store.ha.Fence;
import java.io.Closeable;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Where resources live. Implementations: the in-memory store and the etcd store.
 *
 * <p>Versions are store revisions: every write gets a revision greater than any before it, and a
 * resource's {@code meta.version} is the revision of its last write. Failures complete the future
 * exceptionally with a {@link StoreException} subclass: {@link NotFoundException}, {@link
 * AlreadyExistsException}, {@link ConflictException}, {@link MeshNotFoundException}, or {@link
 * StoreUnavailableException} when the backend cannot be reached.
 */
public interface ResourceStore extends AutoCloseable {

  /**
   * Stores a new resource; fails with {@link AlreadyExistsException} if the key exists and with
   * {@link MeshNotFoundException} if a mesh-scoped resource names a missing mesh. The store sets
   * version and modification time, and the creation time unless the resource carries one (a copy of
   * a resource created elsewhere, see {@link io.meshfed.model.Meta#creationTimeOr}).
   */
  CompletableFuture<Resource> create(Resource resource);

  /**
   * Replaces an existing resource. When {@code expectedVersion} is positive the write happens only
   * if the stored version equals it ({@link ConflictException} otherwise); 0 means unconditional.
   * Keeps the creation time, sets a new version and modification time.
   */
  CompletableFuture<Resource> update(Resource resource, long expectedVersion);

  /** {@code expectedVersion} of {@link #put}: replace only a resource that exists, any version. */
  long EXISTING = -1;

  /**
   * Creates {@code resource}, or replaces the one stored at its key (keeping its creation time):
   * the REST API's {@code PUT}, in as few store calls as the store allows (one conditional write on
   * the embedded and memory stores; on etcd one transaction for a create, two for a replace),
   * without a separate read before it.
   *
   * <p>{@code checkExisting} sees the stored resource before it is replaced, and refuses the write
   * by throwing (the put then fails with that exception and writes nothing); it is not called for a
   * create. It must be quick and must not call the store: a store may call it under its lock.
   *
   * @param expectedVersion 0: create or replace whatever is stored; positive: replace only that
   *     version ({@link ConflictException} otherwise); {@link #EXISTING}: replace only an existing
   *     resource. With a non-zero value an absent resource fails with {@link NotFoundException}.
   */
  default CompletableFuture<Put> put(
      Resource resource, long expectedVersion, Consumer<Resource> checkExisting) {
    return get(resource.key())
        .thenCompose(
            current -> {
              if (current.isEmpty()) {
                if (expectedVersion != 0) {
                  throw new NotFoundException(resource.key() + " does not exist");
                }
                return create(resource).thenApply(created -> new Put(created, true));
              }
              checkExisting.accept(current.get());
              return update(resource, Math.max(expectedVersion, 0))
                  .thenApply(updated -> new Put(updated, false));
            });
  }

  /**
   * Deletes a resource ({@link NotFoundException} if absent; {@link ConflictException} if {@code
   * expectedVersion} is positive and differs). Deleting a {@code Mesh} deletes every resource in it
   * in the same transaction.
   */
  CompletableFuture<Void> delete(ResourceKey key, long expectedVersion);

  /**
   * As {@link #delete(ResourceKey, long)}, and {@code checkExisting} sees the stored resource
   * first: it refuses the delete by throwing (the delete then fails with that exception and deletes
   * nothing). The REST API's {@code DELETE}, without a separate read before it on the stores that
   * check in the same step (memory, embedded); this default reads, checks, then deletes. It must be
   * quick and must not call the store: a store may call it under its lock.
   */
  default CompletableFuture<Void> delete(
      ResourceKey key, long expectedVersion, Consumer<Resource> checkExisting) {
    return get(key)
        .thenCompose(
            current -> {
              current.ifPresent(checkExisting);
              return delete(key, expectedVersion);
            });
  }

  CompletableFuture<Optional<Resource>> get(ResourceKey key);

  /** One page of the resources matching {@code query}, ordered by mesh then name. */
  CompletableFuture<ResourcePage> list(ListQuery query);

  /**
   * Streams changes with revision greater than {@code fromRevision} to {@code listener}, in
   * revision order, from one thread at a time. Changes made before the watch starts may come
   * coalesced: a key put more than once since {@code fromRevision} may come as its latest put alone
   * (the memory and embedded stores keep no superseded puts). When the history since {@code
   * fromRevision} is no longer available (compaction), the store relists and calls {@link
   * WatchListener#onReset} with the full current state instead. Connection failures are retried
   * inside the store, which resumes from the last revision it delivered. Close the returned handle
   * to stop.
   */
  Closeable watch(long fromRevision, WatchListener listener);

  /** The latest revision the store has seen. */
  CompletableFuture<Long> currentRevision();

  /**
   * A view of this store whose writes commit only while {@code fence} holds, checked in the same
   * transaction as the write; otherwise they fail with {@link io.meshfed.store.ha.FencedException}
   * and change nothing. Reads and watches are this store's. A store only one process uses (memory,
   * embedded) returns itself: no other process can take its fences away. A decorator returns itself
   * around its delegate's fenced view.
   *
   * @throws UnsupportedOperationException when this store cannot fence writes
   */
  default ResourceStore fenced(Fence fence) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot fence writes");
  }

  @Override
  void close();
}

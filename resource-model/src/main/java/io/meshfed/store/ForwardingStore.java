package io.meshfed.store;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.store.ha.Fence;
import java.io.Closeable;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A store decorator's base: every call goes to the delegate unchanged, so a decorator overrides
 * only the calls it changes (a default-creating write path, a counting or failing test store).
 *
 * <p>{@link #put} is not forwarded: it runs {@link ResourceStore}'s default (a {@code get}, then
 * this decorator's {@code create} or {@code update}), so a decorator that changes those also
 * changes puts. A decorator that passes puts on to the delegate's own (one-call) put overrides
 * {@link #put} itself. The same holds for the checked {@code delete} (a {@code get}, then this
 * decorator's {@code delete}).
 */
public abstract class ForwardingStore implements ResourceStore {
  private final ResourceStore delegate;

  protected ForwardingStore(ResourceStore delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** The store every call goes to. */
  protected final ResourceStore delegate() {
    return delegate;
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

  /** This decorator around {@code fenced}, the delegate's view for {@link #fenced(Fence)}. */
  protected ResourceStore rewrap(ResourceStore fenced) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot fence writes");
  }

  /**
   * This decorator around the delegate's fenced view; itself when the delegate's view is the
   * delegate (a one-process store), so closing a view never closes a store it does not own.
   */
  @Override
  public ResourceStore fenced(Fence fence) {
    ResourceStore view = delegate.fenced(fence);
    return view == delegate ? this : rewrap(view);
  }

  @Override
  public void close() {
    delegate.close();
  }
}

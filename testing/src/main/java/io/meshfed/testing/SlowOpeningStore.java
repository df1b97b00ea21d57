package io.meshfed.testing;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.store.ForwardingStore;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A store that is still opening, as etcd that is not up yet: every call is accepted and waits until
 * {@link #open()}, then runs (on the opening thread) in the order it came. Watches pass through.
 */
public final class SlowOpeningStore extends ForwardingStore {
  private final CompletableFuture<Void> opened = new CompletableFuture<>();

  /** Calls that arrived before {@link #open()}. */
  public final AtomicInteger callsWhileOpening = new AtomicInteger();

  public SlowOpeningStore(ResourceStore delegate) {
    super(delegate);
  }

  /** The store answers from now on, the waiting calls first. */
  public void open() {
    opened.complete(null);
  }

  private <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> op) {
    if (opened.isDone()) {
      return op.get();
    }
    callsWhileOpening.incrementAndGet();
    return opened.thenCompose(ignored -> op.get());
  }

  @Override
  public CompletableFuture<Resource> create(Resource resource) {
    return call(() -> super.create(resource));
  }

  @Override
  public CompletableFuture<Resource> update(Resource resource, long expectedVersion) {
    return call(() -> super.update(resource, expectedVersion));
  }

  @Override
  public CompletableFuture<Void> delete(ResourceKey key, long expectedVersion) {
    return call(() -> super.delete(key, expectedVersion));
  }

  @Override
  public CompletableFuture<Optional<Resource>> get(ResourceKey key) {
    return call(() -> super.get(key));
  }

  @Override
  public CompletableFuture<ResourcePage> list(ListQuery query) {
    return call(() -> super.list(query));
  }

  @Override
  public CompletableFuture<Long> currentRevision() {
    return call(super::currentRevision);
  }
}

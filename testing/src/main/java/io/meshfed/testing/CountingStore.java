package io.meshfed.testing;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.store.ForwardingStore;
import io.meshfed.store.ListQuery;
import io.meshfed.store.Put;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A store that counts the calls that reach it: {@code get} by key, {@code list} by type, and the
 * writes ({@code create}, {@code update}, {@code put}, {@code delete}) by type, so a test can prove
 * a path does not touch the store, or how often. Everything passes to the delegate unchanged
 * ({@code put} and {@code delete} to the delegate's own).
 */
public final class CountingStore extends ForwardingStore {
  private final ConcurrentHashMap<ResourceKey, AtomicLong> gets = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicLong> lists = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicLong> writes = new ConcurrentHashMap<>();

  public CountingStore(ResourceStore delegate) {
    super(delegate);
  }

  /** How many {@code get} calls named a key {@code which} accepts. */
  public long gets(Predicate<ResourceKey> which) {
    return gets.entrySet().stream()
        .filter(e -> which.test(e.getKey()))
        .mapToLong(e -> e.getValue().get())
        .sum();
  }

  /** How many {@code list} calls asked for {@code type}. */
  public long lists(String type) {
    AtomicLong n = lists.get(type);
    return n == null ? 0 : n.get();
  }

  /**
   * How many writes named {@code operation} ({@code create}, {@code update}, {@code put}, {@code
   * delete}).
   */
  public long writes(String operation) {
    AtomicLong n = writes.get(operation);
    return n == null ? 0 : n.get();
  }

  /** Every {@code get} and {@code list} call so far. */
  public long reads() {
    return gets(k -> true) + lists.values().stream().mapToLong(AtomicLong::get).sum();
  }

  @Override
  public CompletableFuture<Resource> create(Resource resource) {
    count("create");
    return delegate().create(resource);
  }

  @Override
  public CompletableFuture<Resource> update(Resource resource, long expectedVersion) {
    count("update");
    return delegate().update(resource, expectedVersion);
  }

  @Override
  public CompletableFuture<Put> put(
      Resource resource, long expectedVersion, Consumer<Resource> checkExisting) {
    count("put");
    return delegate().put(resource, expectedVersion, checkExisting);
  }

  @Override
  public CompletableFuture<Void> delete(ResourceKey key, long expectedVersion) {
    count("delete");
    return delegate().delete(key, expectedVersion);
  }

  @Override
  public CompletableFuture<Void> delete(
      ResourceKey key, long expectedVersion, Consumer<Resource> checkExisting) {
    count("delete");
    return delegate().delete(key, expectedVersion, checkExisting);
  }

  private void count(String operation) {
    writes.computeIfAbsent(operation, k -> new AtomicLong()).incrementAndGet();
  }

  @Override
  public CompletableFuture<Optional<Resource>> get(ResourceKey key) {
    gets.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
    return delegate().get(key);
  }

  @Override
  public CompletableFuture<ResourcePage> list(ListQuery query) {
    lists.computeIfAbsent(query.type(), k -> new AtomicLong()).incrementAndGet();
    return delegate().list(query);
  }
}

package io.meshfed.testing;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.store.ForwardingStore;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A store that counts the reads that reach it: {@code get} by key and {@code list} by type, so a
 * test can prove a path does not touch the store. Everything passes to the delegate unchanged.
 */
public final class CountingStore extends ForwardingStore {
  private final ConcurrentHashMap<ResourceKey, AtomicLong> gets = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicLong> lists = new ConcurrentHashMap<>();

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

package io.meshfed.kds.store;

import io.meshfed.kds.KdsSource;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourceEvent;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.WatchListener;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link KdsSource} over a {@link ResourceStore}: lists each type, then follows one store watch
 * (relisting on {@code onReset}). Resources pass {@code filter} and then {@code mapper} on the way
 * in. Not ready until every type is listed; if the watch stops for good, it becomes not ready and
 * relists after {@code retryDelay}. Thread-safe.
 */
public final class StoreKdsSource implements KdsSource, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StoreKdsSource.class);

  private final ResourceStore store;
  private final List<String> types;
  private final Predicate<Resource> filter;
  private final UnaryOperator<Resource> mapper;
  private final ScheduledExecutorService scheduler;
  private final Duration retryDelay;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, TreeMap<ResourceKey, Resource>> byType = new HashMap<>();
  private final Map<String, Long> listedAt = new HashMap<>();
  private final List<BiConsumer<String, Set<ResourceKey>>> subscribers =
      new CopyOnWriteArrayList<>();
  private boolean ready;
  private boolean closed;
  private Closeable watch;

  /**
   * @param store where the resources live
   * @param types the types to serve, in registry order
   * @param filter keeps the resources to serve
   * @param mapper transforms each kept resource (e.g. stamps labels)
   * @param scheduler runs relist retries
   * @param retryDelay wait before relisting after a failure
   */
  public StoreKdsSource(
      ResourceStore store,
      List<String> types,
      Predicate<Resource> filter,
      UnaryOperator<Resource> mapper,
      ScheduledExecutorService scheduler,
      Duration retryDelay) {
    this.store = store;
    this.types = List.copyOf(types);
    this.filter = filter;
    this.mapper = mapper;
    this.scheduler = scheduler;
    this.retryDelay = retryDelay;
    this.types.forEach(t -> byType.put(t, new TreeMap<>()));
  }

  /** Lists every type and starts watching; completes when the source is ready. */
  public CompletableFuture<Void> start() {
    List<CompletableFuture<ResourcePage>> lists = new ArrayList<>();
    for (String type : types) {
      lists.add(store.list(ListQuery.all(type)));
    }
    return CompletableFuture.allOf(lists.toArray(CompletableFuture[]::new))
        .thenRun(
            () -> {
              long from = Long.MAX_VALUE;
              lock.lock();
              try {
                if (closed) {
                  return;
                }
                for (int i = 0; i < types.size(); i++) {
                  ResourcePage page = lists.get(i).join();
                  replace(types.get(i), page.items(), page.revision());
                  from = Math.min(from, page.revision());
                }
                ready = true;
                watch = store.watch(from, new Listener());
              } finally {
                lock.unlock();
              }
              log.info("KDS source over the store is ready: {}", types);
              types.forEach(this::notifyChange);
            })
        .whenComplete(
            (ok, error) -> {
              if (error != null) {
                log.warn("KDS source: listing {} failed, retrying in {}", types, retryDelay, error);
                retryLater();
              }
            });
  }

  private void retryLater() {
    if (!closed) {
      scheduler.schedule(this::start, retryDelay.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  /** Replaces one type's set; caller holds the lock. */
  private void replace(String type, List<Resource> items, long revision) {
    TreeMap<ResourceKey, Resource> set = new TreeMap<>();
    for (Resource r : items) {
      if (filter.test(r)) {
        set.put(r.key(), mapper.apply(r));
      }
    }
    byType.put(type, set);
    listedAt.put(type, revision);
  }

  private final class Listener implements WatchListener {
    @Override
    public void onEvents(List<ResourceEvent> events) {
      Map<String, Set<ResourceKey>> changed = new LinkedHashMap<>();
      lock.lock();
      try {
        for (ResourceEvent e : events) {
          TreeMap<ResourceKey, Resource> set = byType.get(e.key().type());
          if (set == null || e.revision() <= listedAt.getOrDefault(e.key().type(), 0L)) {
            continue;
          }
          if (e.kind() == ResourceEvent.Kind.PUT && filter.test(e.resource())) {
            set.put(e.key(), mapper.apply(e.resource()));
          } else {
            set.remove(e.key());
          }
          changed.computeIfAbsent(e.key().type(), t -> new HashSet<>()).add(e.key());
        }
      } finally {
        lock.unlock();
      }
      changed.forEach(StoreKdsSource.this::notifyKeys);
    }

    @Override
    public void onReset(List<Resource> all, long revision) {
      Map<String, List<Resource>> grouped = new HashMap<>();
      all.forEach(r -> grouped.computeIfAbsent(r.type(), t -> new ArrayList<>()).add(r));
      lock.lock();
      try {
        for (String type : types) {
          replace(type, grouped.getOrDefault(type, List.of()), revision);
        }
      } finally {
        lock.unlock();
      }
      log.info("KDS source: store watch reset at revision {}, relisted {}", revision, types);
      types.forEach(StoreKdsSource.this::notifyChange);
    }

    @Override
    public void onClosed(Throwable cause) {
      lock.lock();
      try {
        if (closed) {
          return;
        }
        ready = false;
      } finally {
        lock.unlock();
      }
      log.warn("KDS source: store watch stopped, relisting in {}", retryDelay, cause);
      types.forEach(StoreKdsSource.this::notifyChange);
      retryLater();
    }
  }

  @Override
  public List<String> types() {
    return types;
  }

  @Override
  public boolean isReady(String type) {
    lock.lock();
    try {
      return ready && byType.containsKey(type);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<Resource> resources(String type) {
    lock.lock();
    try {
      TreeMap<ResourceKey, Resource> set = byType.get(type);
      return !ready || set == null ? List.of() : List.copyOf(set.values());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Optional<Resource> resource(String type, ResourceKey key) {
    lock.lock();
    try {
      TreeMap<ResourceKey, Resource> set = byType.get(type);
      return !ready || set == null ? Optional.empty() : Optional.ofNullable(set.get(key));
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Closeable subscribe(Consumer<String> onChange) {
    return subscribeKeys((type, keys) -> onChange.accept(type));
  }

  @Override
  public Closeable subscribeKeys(BiConsumer<String, Set<ResourceKey>> onChange) {
    subscribers.add(onChange);
    return () -> subscribers.remove(onChange);
  }

  /** Any of the type's set or readiness may have changed. */
  private void notifyChange(String type) {
    notifyKeys(type, null);
  }

  private void notifyKeys(String type, Set<ResourceKey> keys) {
    Set<ResourceKey> frozen = keys == null ? null : Set.copyOf(keys);
    for (BiConsumer<String, Set<ResourceKey>> s : subscribers) {
      s.accept(type, frozen);
    }
  }

  @Override
  public void close() {
    Closeable w;
    lock.lock();
    try {
      closed = true;
      ready = false;
      w = watch;
    } finally {
      lock.unlock();
    }
    if (w != null) {
      try {
        w.close();
      } catch (IOException e) {
        log.debug("KDS source: closing the store watch failed: {}", e.toString());
      }
    }
  }
}

package io.meshfed.store.memory;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.store.AlreadyExistsException;
import io.meshfed.store.ChangeFeed;
import io.meshfed.store.ListQuery;
import io.meshfed.store.MeshNotFoundException;
import io.meshfed.store.NotFoundException;
import io.meshfed.store.Put;
import io.meshfed.store.ResourceEvent;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.StoreUnavailableException;
import io.meshfed.store.Versions;
import io.meshfed.store.WatchListener;
import java.io.Closeable;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The embedded store: a sorted map under one lock, a revision counter, and a bounded history of
 * changes so that watches can resume. Nothing survives the process.
 */
public final class MemoryResourceStore implements ResourceStore {
  public static final int DEFAULT_HISTORY = 10_000;

  private final Clock clock;
  private final ReentrantLock lock = new ReentrantLock();
  // by key (ResourceKey's order: type, mesh, name), the resources' own keys: nothing per entry
  private final TreeMap<ResourceKey, Resource> data = new TreeMap<>();
  private final ChangeFeed feed;
  private long revision;
  private volatile boolean closed;

  public MemoryResourceStore() {
    this(Clock.systemUTC(), DEFAULT_HISTORY);
  }

  public MemoryResourceStore(Clock clock, int historyLimit) {
    this(
        clock,
        historyLimit,
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "memory-store-watch");
              t.setDaemon(true);
              return t;
            }));
  }

  public MemoryResourceStore(Clock clock, int historyLimit, Executor watchExecutor) {
    this.clock = clock;
    this.feed = new ChangeFeed(historyLimit, 0, watchExecutor);
  }

  /**
   * The first key after every key of {@code type} (with {@code mesh}, when given): the same prefix
   * followed by {@code '\0'} sorts after all the strings it starts, and before any other.
   */
  static ResourceKey after(String type, String mesh) {
    return mesh == null
        ? new ResourceKey(type + '\0', null, "")
        : new ResourceKey(type, mesh + '\0', "");
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  private <T> CompletableFuture<T> locked(Supplier<T> op) {
    lock.lock();
    try {
      // checked under the lock so that nothing is written after close() returned
      if (closed) {
        return CompletableFuture.failedFuture(
            new StoreUnavailableException("the memory store is closed"));
      }
      return CompletableFuture.completedFuture(op.get());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public CompletableFuture<Resource> create(Resource resource) {
    return locked(
        () -> {
          ResourceKey key = resource.key();
          if (data.containsKey(key)) {
            throw new AlreadyExistsException(key + " already exists");
          }
          requireMesh(key);
          Instant now = now();
          Resource stored =
              resource.withMeta(
                  new Meta(
                      resource.labels(), revision + 1, resource.meta().creationTimeOr(now), now));
          commit(List.of(ResourceEvent.put(stored, revision + 1)));
          return stored;
        });
  }

  private void requireMesh(ResourceKey key) {
    if (key.mesh() != null
        && !data.containsKey(ResourceKey.global(StandardTypes.MESH, key.mesh()))) {
      throw new MeshNotFoundException("mesh '" + key.mesh() + "' does not exist");
    }
  }

  @Override
  public CompletableFuture<Resource> update(Resource resource, long expectedVersion) {
    return locked(
        () -> {
          ResourceKey key = resource.key();
          Resource current =
              existing(
                  key,
                  expectedVersion,
                  ": it was changed meanwhile; read it again and retry",
                  unchecked -> {});
          Resource stored =
              resource.withMeta(
                  new Meta(resource.labels(), revision + 1, current.meta().creationTime(), now()));
          commit(List.of(ResourceEvent.put(stored, revision + 1)));
          return stored;
        });
  }

  /** One step under the lock: the existing resource is checked, then created or replaced. */
  @Override
  public CompletableFuture<Put> put(
      Resource resource, long expectedVersion, Consumer<Resource> checkExisting) {
    return locked(
        () -> {
          ResourceKey key = resource.key();
          Resource current = data.get(key);
          Instant now = now();
          if (current == null) {
            if (expectedVersion != 0) {
              throw new NotFoundException(key + " does not exist");
            }
            requireMesh(key);
          } else {
            checkExisting.accept(current);
            Versions.require(
                key,
                current,
                expectedVersion,
                ": it was changed meanwhile; read it again and retry");
          }
          Instant created =
              current == null ? resource.meta().creationTimeOr(now) : current.meta().creationTime();
          Resource stored =
              resource.withMeta(new Meta(resource.labels(), revision + 1, created, now));
          commit(List.of(ResourceEvent.put(stored, revision + 1)));
          return new Put(stored, current == null);
        });
  }

  @Override
  public CompletableFuture<Void> delete(ResourceKey key, long expectedVersion) {
    return delete(key, expectedVersion, existing -> {});
  }

  /** One step under the lock: the existing resource is checked, then deleted. */
  @Override
  public CompletableFuture<Void> delete(
      ResourceKey key, long expectedVersion, Consumer<Resource> checkExisting) {
    return locked(
        () -> {
          Resource current = existing(key, expectedVersion, "", checkExisting);
          long rev = revision + 1;
          List<ResourceEvent> events = new ArrayList<>();
          if (key.type().equals(StandardTypes.MESH) && key.mesh() == null) {
            for (Resource r : data.values()) {
              if (key.name().equals(r.mesh())) {
                events.add(ResourceEvent.delete(r.key(), r, rev));
              }
            }
          }
          events.add(ResourceEvent.delete(key, current, rev));
          commit(events);
          return null;
        });
  }

  /** The stored resource at {@code key}, checked against {@code expectedVersion}. */
  /** The stored resource at {@code key}, seen by {@code check}, then at {@code expectedVersion}. */
  private Resource existing(
      ResourceKey key, long expectedVersion, String advice, Consumer<Resource> check) {
    Resource current = data.get(key);
    if (current == null) {
      throw new NotFoundException(key + " does not exist");
    }
    check.accept(current);
    Versions.require(key, current, expectedVersion, advice);
    return current;
  }

  /** Applies one transaction's events: same revision for all, history, watchers. */
  private void commit(List<ResourceEvent> events) {
    revision++;
    for (ResourceEvent e : events) {
      if (e.kind() == ResourceEvent.Kind.PUT) {
        data.put(e.key(), e.resource());
      } else {
        data.remove(e.key());
      }
    }
    feed.publish(events);
  }

  @Override
  public CompletableFuture<Optional<Resource>> get(ResourceKey key) {
    return locked(() -> Optional.ofNullable(data.get(key)));
  }

  @Override
  public CompletableFuture<ResourcePage> list(ListQuery query) {
    return locked(
        () -> {
          NavigableMap<ResourceKey, Resource> range =
              data.subMap(
                  new ResourceKey(query.type(), query.mesh(), ""),
                  true,
                  after(query.type(), query.mesh()),
                  false);
          List<Resource> matched = new ArrayList<>();
          for (Resource r : range.values()) {
            if (query.shows(r) && query.matchesLabels(r.labels())) {
              matched.add(r);
            }
          }
          return page(matched, query, revision);
        });
  }

  /** Cuts one page out of the full ordered match list. */
  public static ResourcePage page(List<Resource> matched, ListQuery query, long revision) {
    return ResourcePage.slice(matched, query, revision);
  }

  @Override
  public Closeable watch(long fromRevision, WatchListener listener) {
    ChangeFeed.Watcher w = feed.watcher(listener);
    lock.lock();
    try {
      if (closed) {
        throw new StoreUnavailableException("the memory store is closed");
      }
      feed.add(w, fromRevision, () -> List.copyOf(data.values()), () -> revision);
    } finally {
      lock.unlock();
    }
    return () -> {
      feed.remove(w);
      w.stop();
    };
  }

  @Override
  public CompletableFuture<Long> currentRevision() {
    return locked(() -> revision);
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      feed.closeAll();
    } finally {
      lock.unlock();
    }
  }

  /** Itself: only this process uses this store, so no other process can take a fence away. */
  @Override
  public ResourceStore fenced(io.meshfed.store.ha.Fence fence) {
    return this;
  }
}

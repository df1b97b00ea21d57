package io.meshfed.store.memory;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.store.AlreadyExistsException;
import io.meshfed.store.ConflictException;
import io.meshfed.store.ListQuery;
import io.meshfed.store.MeshNotFoundException;
import io.meshfed.store.NotFoundException;
import io.meshfed.store.ResourceEvent;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.SerialExecutor;
import io.meshfed.store.StoreUnavailableException;
import io.meshfed.store.WatchListener;
import java.io.Closeable;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The embedded store: a sorted map under one lock, a revision counter, and a bounded history of
 * changes so that watches can resume. Nothing survives the process.
 */
public final class MemoryResourceStore implements ResourceStore {
  public static final int DEFAULT_HISTORY = 10_000;

  private final Clock clock;
  private final Executor watchExecutor;
  private final int historyLimit;
  private final ReentrantLock lock = new ReentrantLock();
  private final TreeMap<String, Resource> data = new TreeMap<>();
  private final ArrayDeque<ResourceEvent> history = new ArrayDeque<>();
  private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
  private long revision;
  private long compactedRevision;
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
    this.historyLimit = historyLimit;
    this.watchExecutor = watchExecutor;
  }

  static String path(ResourceKey key) {
    return key.type() + '\0' + (key.mesh() == null ? "" : key.mesh()) + '\0' + key.name();
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
          if (data.containsKey(path(key))) {
            throw new AlreadyExistsException(key + " already exists");
          }
          requireMesh(key);
          Instant now = now();
          Resource stored = resource.withMeta(new Meta(resource.labels(), revision + 1, now, now));
          commit(List.of(ResourceEvent.put(stored, revision + 1)));
          return stored;
        });
  }

  private void requireMesh(ResourceKey key) {
    if (key.mesh() != null
        && !data.containsKey(path(ResourceKey.global(StandardTypes.MESH, key.mesh())))) {
      throw new MeshNotFoundException("mesh '" + key.mesh() + "' does not exist");
    }
  }

  @Override
  public CompletableFuture<Resource> update(Resource resource, long expectedVersion) {
    return locked(
        () -> {
          ResourceKey key = resource.key();
          Resource current = data.get(path(key));
          if (current == null) {
            throw new NotFoundException(key + " does not exist");
          }
          if (expectedVersion > 0 && current.version() != expectedVersion) {
            throw new ConflictException(
                key
                    + " has version "
                    + current.version()
                    + ", not the expected "
                    + expectedVersion
                    + ": it was changed meanwhile; read it again and retry");
          }
          Resource stored =
              resource.withMeta(
                  new Meta(resource.labels(), revision + 1, current.meta().creationTime(), now()));
          commit(List.of(ResourceEvent.put(stored, revision + 1)));
          return stored;
        });
  }

  @Override
  public CompletableFuture<Void> delete(ResourceKey key, long expectedVersion) {
    return locked(
        () -> {
          Resource current = data.get(path(key));
          if (current == null) {
            throw new NotFoundException(key + " does not exist");
          }
          if (expectedVersion > 0 && current.version() != expectedVersion) {
            throw new ConflictException(
                key
                    + " has version "
                    + current.version()
                    + ", not the expected "
                    + expectedVersion);
          }
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

  /** Applies one transaction's events: same revision for all, history, watchers. */
  private void commit(List<ResourceEvent> events) {
    revision++;
    for (ResourceEvent e : events) {
      if (e.kind() == ResourceEvent.Kind.PUT) {
        data.put(path(e.key()), e.resource());
      } else {
        data.remove(path(e.key()));
      }
      history.addLast(e);
    }
    while (history.size() > historyLimit) {
      compactedRevision = history.removeFirst().revision();
    }
    // Never cut a transaction in half: drop the rest of the oldest revision too.
    while (!history.isEmpty() && history.peekFirst().revision() == compactedRevision) {
      history.removeFirst();
    }
    List<ResourceEvent> batch = List.copyOf(events);
    for (Watcher w : watchers) {
      w.deliver(batch);
    }
  }

  @Override
  public CompletableFuture<Optional<Resource>> get(ResourceKey key) {
    return locked(() -> Optional.ofNullable(data.get(path(key))));
  }

  @Override
  public CompletableFuture<ResourcePage> list(ListQuery query) {
    return locked(
        () -> {
          String prefix =
              query.mesh() == null
                  ? query.type() + '\0'
                  : query.type() + '\0' + query.mesh() + '\0';
          NavigableMap<String, Resource> range =
              data.subMap(prefix, true, prefix + Character.MAX_VALUE, false);
          List<Resource> matched = new ArrayList<>();
          for (Resource r : range.values()) {
            if (query.matchesLabels(r.labels())) {
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
    Watcher w = new Watcher(listener, new SerialExecutor(watchExecutor));
    lock.lock();
    try {
      if (closed) {
        throw new StoreUnavailableException("the memory store is closed");
      }
      if (fromRevision < compactedRevision) {
        List<Resource> all = List.copyOf(data.values());
        long rev = revision;
        w.executor.execute(
            () -> {
              if (!w.closed) {
                listener.onReset(all, rev);
              }
            });
      } else {
        List<ResourceEvent> missed = new ArrayList<>();
        for (ResourceEvent e : history) {
          if (e.revision() > fromRevision) {
            missed.add(e);
          }
        }
        if (!missed.isEmpty()) {
          w.deliver(missed);
        }
      }
      watchers.add(w);
    } finally {
      lock.unlock();
    }
    return () -> {
      watchers.remove(w);
      w.closed = true;
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
      for (Watcher w : watchers) {
        w.executor.execute(() -> w.listener.onClosed(null));
      }
      watchers.clear();
    } finally {
      lock.unlock();
    }
  }

  private static final class Watcher {
    final WatchListener listener;
    final SerialExecutor executor;
    volatile boolean closed;

    Watcher(WatchListener listener, SerialExecutor executor) {
      this.listener = listener;
      this.executor = executor;
    }

    void deliver(List<ResourceEvent> events) {
      executor.execute(
          () -> {
            if (!closed) {
              listener.onEvents(events);
            }
          });
    }
  }
}

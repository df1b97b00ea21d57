package io.meshfed.store.embedded;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.AlreadyExistsException;
import io.meshfed.store.ChangeFeed;
import io.meshfed.store.ListQuery;
import io.meshfed.store.MeshNotFoundException;
import io.meshfed.store.NotFoundException;
import io.meshfed.store.Put;
import io.meshfed.store.ResourceEvent;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.SerialExecutor;
import io.meshfed.store.StoreUnavailableException;
import io.meshfed.store.Versions;
import io.meshfed.store.WatchListener;
import java.io.Closeable;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default store: resources in a SQLite file under the data directory ({@code store.db}, WAL
 * journal, fsync on every commit), guarded by an OS file lock ({@code store.lock}) so that one
 * process at a time owns the directory. Revisions are persisted with the data, so versions keep
 * growing across restarts.
 *
 * <p>Writes are committed in groups: whatever writes are queued when the I/O thread gets to them
 * (up to {@value #MAX_BATCH}) run one by one, each under its own savepoint, and are committed with
 * one fsync; each future completes after that commit. One write in flight costs one fsync; many
 * concurrent writers share them.
 *
 * <p>Confinement: the database, the change history and the watcher list are touched only from one
 * I/O thread ({@code io}); callers get futures completed there. Watchers are called through a
 * {@link SerialExecutor} each, on {@code watchExecutor}. The history of changes is kept in memory
 * and bounded; a watch from before it (or from before this process opened the file) gets {@link
 * WatchListener#onReset} with the full state.
 */
public final class EmbeddedResourceStore implements ResourceStore {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedResourceStore.class);
  public static final int DEFAULT_HISTORY = 10_000;

  /** The most writes committed together (one fsync). */
  static final int MAX_BATCH = 256;

  private final Path dataDir;
  private final Clock clock;
  private final DataDirLock lock;
  private final SqliteResources db;
  private final ExecutorService io;
  private final ExecutorService ownedWatchExecutor;
  // completes callers' futures, so that their callbacks never run on (and block) the io thread
  private final ExecutorService callbacks;
  // any thread: writes waiting for the io thread
  private final ConcurrentLinkedQueue<PendingWrite<?>> writes = new ConcurrentLinkedQueue<>();
  // io thread only
  private final ChangeFeed feed;
  private boolean dbClosed;
  // any thread
  private volatile boolean closed;

  private EmbeddedResourceStore(
      Path dataDir, TypeRegistry registry, Clock clock, int historyLimit, Executor watchExecutor) {
    this.dataDir = dataDir;
    this.clock = clock;
    this.lock = DataDirLock.acquire(dataDir);
    try {
      this.db = new SqliteResources(dataDir, new ResourceCodec(registry));
    } catch (RuntimeException e) {
      lock.close();
      throw e;
    }
    this.io = Executors.newSingleThreadExecutor(daemon("embedded-store-io"));
    this.callbacks = Executors.newCachedThreadPool(daemon("embedded-store-callback"));
    this.ownedWatchExecutor =
        watchExecutor == null
            ? Executors.newCachedThreadPool(daemon("embedded-store-watch"))
            : null;
    this.feed =
        new ChangeFeed(
            historyLimit,
            db.revision(),
            watchExecutor == null ? ownedWatchExecutor : watchExecutor);
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Opens (or creates) the store in {@code dataDir}.
   *
   * @throws DataDirInUseException when another process holds the directory
   * @throws StoreUnavailableException when the file cannot be opened
   */
  public static EmbeddedResourceStore open(Path dataDir, TypeRegistry registry, Clock clock) {
    return open(dataDir, registry, clock, DEFAULT_HISTORY, null);
  }

  /**
   * @param historyLimit changes kept for watches that resume from a past revision
   * @param watchExecutor runs watch listeners; null for a store-owned pool
   */
  public static EmbeddedResourceStore open(
      Path dataDir, TypeRegistry registry, Clock clock, int historyLimit, Executor watchExecutor) {
    EmbeddedResourceStore store =
        new EmbeddedResourceStore(dataDir, registry, clock, historyLimit, watchExecutor);
    log.info(
        "embedded store {} opened at revision {}", store.db.file(), store.feed.compactedRevision());
    return store;
  }

  public Path dataDir() {
    return dataDir;
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  /** Runs {@code op} on the I/O thread. */
  private <T> CompletableFuture<T> onIo(Supplier<T> op) {
    if (closed) {
      return CompletableFuture.failedFuture(closedError());
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      io.execute(
          () -> {
            try {
              if (dbClosed) {
                throw closedError();
              }
              T value = op.get();
              callbacks.execute(() -> result.complete(value));
            } catch (RuntimeException e) {
              fail(result, e);
            }
          });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(closedError());
    }
    return result;
  }

  /** Fails {@code future} from the callback pool. */
  private void fail(CompletableFuture<?> future, RuntimeException error) {
    callbacks.execute(() -> future.completeExceptionally(error));
  }

  private StoreUnavailableException closedError() {
    return new StoreUnavailableException("the embedded store in " + dataDir + " is closed");
  }

  @Override
  public CompletableFuture<Resource> create(Resource resource) {
    ResourceKey key = resource.key();
    return write(
        "create " + key,
        tx -> {
          if (db.exists(key)) {
            throw new AlreadyExistsException(key + " already exists");
          }
          requireMesh(key);
          Instant now = now();
          Resource stored =
              resource.withMeta(
                  new Meta(
                      resource.labels(), tx.revision(), resource.meta().creationTimeOr(now), now));
          tx.put(stored);
          return new Written<>(stored, List.of(ResourceEvent.put(stored, tx.revision())));
        });
  }

  private void requireMesh(ResourceKey key) {
    if (key.mesh() != null && !db.exists(ResourceKey.global(StandardTypes.MESH, key.mesh()))) {
      throw new MeshNotFoundException("mesh '" + key.mesh() + "' does not exist");
    }
  }

  @Override
  public CompletableFuture<Resource> update(Resource resource, long expectedVersion) {
    ResourceKey key = resource.key();
    return write(
        "update " + key,
        tx -> {
          Resource current =
              existing(
                  key,
                  expectedVersion,
                  ": it was changed meanwhile; read it again and retry",
                  unchecked -> {});
          Resource stored =
              resource.withMeta(
                  new Meta(resource.labels(), tx.revision(), current.meta().creationTime(), now()));
          tx.put(stored);
          return new Written<>(stored, List.of(ResourceEvent.put(stored, tx.revision())));
        });
  }

  /** One write on the I/O thread: the existing resource is read, checked, then replaced. */
  @Override
  public CompletableFuture<Put> put(
      Resource resource, long expectedVersion, Consumer<Resource> checkExisting) {
    ResourceKey key = resource.key();
    return write(
        "put " + key,
        tx -> {
          Optional<Resource> current = db.find(key);
          Instant now = now();
          Instant created;
          if (current.isEmpty()) {
            if (expectedVersion != 0) {
              throw new NotFoundException(key + " does not exist");
            }
            requireMesh(key);
            created = resource.meta().creationTimeOr(now);
          } else {
            checkExisting.accept(current.get());
            Versions.require(
                key,
                current.get(),
                expectedVersion,
                ": it was changed meanwhile; read it again and retry");
            created = current.get().meta().creationTime();
          }
          Resource stored =
              resource.withMeta(new Meta(resource.labels(), tx.revision(), created, now));
          tx.put(stored);
          return new Written<>(
              new Put(stored, current.isEmpty()),
              List.of(ResourceEvent.put(stored, tx.revision())));
        });
  }

  @Override
  public CompletableFuture<Void> delete(ResourceKey key, long expectedVersion) {
    return delete(key, expectedVersion, existing -> {});
  }

  /** One write on the I/O thread: the existing resource is read, checked, then deleted. */
  @Override
  public CompletableFuture<Void> delete(
      ResourceKey key, long expectedVersion, Consumer<Resource> checkExisting) {
    return write(
        "delete " + key,
        tx -> {
          Resource current = existing(key, expectedVersion, "", checkExisting);
          List<ResourceEvent> events = new ArrayList<>();
          if (key.type().equals(StandardTypes.MESH) && key.mesh() == null) {
            for (Resource r : db.inMesh(key.name())) {
              events.add(ResourceEvent.delete(r.key(), r, tx.revision()));
            }
            tx.deleteMeshContents(key.name());
          }
          tx.delete(key);
          events.add(ResourceEvent.delete(key, current, tx.revision()));
          return new Written<Void>(null, events);
        });
  }

  /**
   * On the I/O thread: the stored resource at {@code key}, checked against {@code expectedVersion}.
   */
  /** The stored resource at {@code key}, seen by {@code check}, then at {@code expectedVersion}. */
  private Resource existing(
      ResourceKey key, long expectedVersion, String advice, Consumer<Resource> check) {
    Resource current =
        db.find(key).orElseThrow(() -> new NotFoundException(key + " does not exist"));
    check.accept(current);
    Versions.require(key, current, expectedVersion, advice);
    return current;
  }

  /** What a write returns and the events it produced. */
  private record Written<T>(T result, List<ResourceEvent> events) {}

  /** A write waiting for the I/O thread. */
  private record PendingWrite<T>(
      String what, SqliteResources.TxBody<Written<T>> body, CompletableFuture<T> result) {

    @SuppressWarnings("unchecked")
    void succeed(Written<?> written) {
      result.complete((T) written.result());
    }
  }

  /**
   * Queues a write. Writes are committed in groups: the I/O thread takes every write queued so far,
   * runs each under its own savepoint (a failed one is rolled back alone), then commits them with
   * one fsync. Each future completes only after that commit.
   */
  private <T> CompletableFuture<T> write(String what, SqliteResources.TxBody<Written<T>> body) {
    if (closed) {
      return CompletableFuture.failedFuture(closedError());
    }
    PendingWrite<T> w = new PendingWrite<>(what, body, new CompletableFuture<>());
    writes.add(w);
    try {
      io.execute(this::drainWrites);
    } catch (RejectedExecutionException e) {
      if (writes.remove(w)) {
        w.result().completeExceptionally(closedError()); // on the caller's thread: no io involved
      }
    }
    return w.result();
  }

  /** On the I/O thread: one batch of the queued writes, committed together. */
  private void drainWrites() {
    List<PendingWrite<?>> batch = new ArrayList<>();
    for (PendingWrite<?> w; batch.size() < MAX_BATCH && (w = writes.poll()) != null; ) {
      batch.add(w);
    }
    if (batch.isEmpty()) {
      return;
    }
    if (dbClosed) {
      batch.forEach(w -> fail(w.result(), closedError()));
      return;
    }
    List<PendingWrite<?>> done = new ArrayList<>();
    List<Written<?>> written = new ArrayList<>();
    for (PendingWrite<?> w : batch) {
      try {
        written.add(db.attempt(w.what(), w.body()));
        done.add(w);
      } catch (RuntimeException e) {
        fail(w.result(), e);
      }
    }
    try {
      db.commit();
    } catch (RuntimeException e) {
      done.forEach(w -> fail(w.result(), e));
      return;
    }
    List<ResourceEvent> events = new ArrayList<>();
    written.forEach(x -> events.addAll(x.events()));
    if (!events.isEmpty()) {
      feed.publish(events);
    }
    callbacks.execute(
        () -> {
          for (int i = 0; i < done.size(); i++) {
            done.get(i).succeed(written.get(i));
          }
        });
  }

  @Override
  public CompletableFuture<Optional<Resource>> get(ResourceKey key) {
    return onIo(() -> db.get(key));
  }

  @Override
  public CompletableFuture<ResourcePage> list(ListQuery query) {
    return onIo(() -> db.page(query));
  }

  @Override
  public Closeable watch(long fromRevision, WatchListener listener) {
    ChangeFeed.Watcher w = feed.watcher(listener);
    CompletableFuture<Void> registered =
        onIo(
            () -> {
              feed.add(w, fromRevision, db::all, db::revision);
              return null;
            });
    if (registered.isCompletedExceptionally()) {
      registered.join(); // throws the StoreUnavailableException of a closed store
    }
    return () -> {
      w.stop();
      try {
        io.execute(() -> feed.remove(w));
      } catch (RejectedExecutionException e) {
        // the store is closed: its watcher list is gone with it
      }
    };
  }

  @Override
  public CompletableFuture<Long> currentRevision() {
    return onIo(db::revision);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      io.execute(
          () -> {
            dbClosed = true;
            for (PendingWrite<?> w; (w = writes.poll()) != null; ) {
              fail(w.result(), closedError());
            }
            feed.closeAll();
            db.close();
            lock.close();
          });
    } catch (RejectedExecutionException e) {
      return;
    }
    io.shutdown();
    try {
      if (!io.awaitTermination(30, TimeUnit.SECONDS)) {
        log.warn("embedded store {}: pending operations did not finish within 30s", dataDir);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    callbacks.shutdown();
    if (ownedWatchExecutor != null) {
      ownedWatchExecutor.shutdown();
    }
    log.info("embedded store {} closed", db.file());
  }

  /** Itself: only this process uses this store, so no other process can take a fence away. */
  @Override
  public ResourceStore fenced(io.meshfed.store.ha.Fence fence) {
    return this;
  }
}

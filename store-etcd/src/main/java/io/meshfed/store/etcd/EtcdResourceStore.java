package io.meshfed.store.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.meshfed.model.Labels;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.ResourceType;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.AlreadyExistsException;
import io.meshfed.store.ConflictException;
import io.meshfed.store.ListQuery;
import io.meshfed.store.MeshNotFoundException;
import io.meshfed.store.NotFoundException;
import io.meshfed.store.Put;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.SerialExecutor;
import io.meshfed.store.StoreUnavailableException;
import io.meshfed.store.WatchListener;
import io.meshfed.store.ha.Fence;
import io.meshfed.store.ha.FencedException;
import java.io.Closeable;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable store, shared by several global replicas: one etcd key per resource at {@code
 * <prefix>/<Type>/<mesh or _>/<name>}, the value is the resource in universal JSON (with labels and
 * times), and its version is the key's mod revision. Every write is one etcd transaction that
 * checks what it relies on (absence, the expected mod revision, the mesh), so concurrent writers
 * from several replicas cannot lose updates.
 */
public final class EtcdResourceStore implements ResourceStore {
  private static final Logger log = LoggerFactory.getLogger(EtcdResourceStore.class);
  private static final int UNCONDITIONAL_ATTEMPTS = 32;

  /**
   * Largest value written: etcd refuses requests over {@code --max-request-bytes} (1.5 MiB by
   * default), and the transaction around the value needs some room too.
   */
  public static final int MAX_VALUE_BYTES = 1_400_000;

  private final EtcdStoreOptions options;
  private final ResourceCodec codec;
  private final EtcdValues values;
  private final Clock clock;
  private final Client client;
  private final KV kv;
  private final EtcdKeys keys;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService callbacks;
  private final boolean ownsExecutors;
  private final Set<EtcdWatch> watches = ConcurrentHashMap.newKeySet();
  private final EtcdCalls calls;
  private final EtcdListing listing;
  private volatile boolean closed;

  private EtcdResourceStore(
      EtcdStoreOptions options,
      ResourceCodec codec,
      Clock clock,
      ScheduledExecutorService scheduler,
      ExecutorService callbacks,
      boolean ownsExecutors) {
    this.options = options;
    this.calls = new EtcdCalls(options, () -> closed);
    this.codec = codec;
    this.values = new EtcdValues(codec);
    this.clock = clock;
    this.keys = new EtcdKeys(options.prefix());
    this.scheduler = scheduler;
    this.callbacks = callbacks;
    this.ownsExecutors = ownsExecutors;
    ClientBuilder builder =
        Client.builder()
            .endpoints(options.endpoints().stream().map(URI::create).toArray(URI[]::new))
            .connectTimeout(options.connectTimeout());
    if (options.username() != null) {
      builder.user(EtcdKeys.bytes(options.username())).password(EtcdKeys.bytes(options.password()));
    }
    this.client = builder.build();
    this.kv = client.getKVClient();
    this.listing =
        new EtcdListing(new EtcdPages(kv, calls, options.pageKeys()), keys, values::decodeOrSkip);
  }

  /** Connects with its own watch threads; times come from {@code clock}. */
  public static EtcdResourceStore connect(
      EtcdStoreOptions options, TypeRegistry registry, Clock clock) {
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(daemon("etcd-store-retry"));
    ExecutorService callbacks = Executors.newCachedThreadPool(daemon("etcd-store-watch"));
    return new EtcdResourceStore(
        options, new ResourceCodec(registry), clock, scheduler, callbacks, true);
  }

  /**
   * Connects using the caller's executors: {@code scheduler} times watch resumes, {@code callbacks}
   * runs watch listeners (each watch serially). The caller shuts them down.
   */
  public static EtcdResourceStore connect(
      EtcdStoreOptions options,
      ResourceCodec codec,
      Clock clock,
      ScheduledExecutorService scheduler,
      ExecutorService callbacks) {
    return new EtcdResourceStore(options, codec, clock, scheduler, callbacks, false);
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  public EtcdStoreOptions options() {
    return options;
  }

  // ------------------------------------------------------------------ writes

  @Override
  public CompletableFuture<Resource> create(Resource resource) {
    return create(resource, null);
  }

  /** Creates {@code resource}; with a fence, only while it holds (see {@link #fenced}). */
  CompletableFuture<Resource> create(Resource resource, Fence fence) {
    ResourceKey key = resource.key();
    return write(
        "create " + key,
        () -> {
          EtcdFences.refuseUnheld(fence, "create " + key);
          Instant now = now();
          Resource toStore =
              resource.withMeta(
                  new Meta(resource.labels(), 0, resource.meta().creationTimeOr(now), now));
          return writeIf(creating(key), toStore, fence)
              .thenApply(
                  txn -> {
                    if (txn.isSucceeded()) {
                      return toStore.withVersion(txn.getHeader().getRevision());
                    }
                    EtcdFences.check(fence, txn, "create " + key);
                    if (!txn.getGetResponses().get(0).getKvs().isEmpty()) {
                      throw new AlreadyExistsException(key + " already exists");
                    }
                    throw new MeshNotFoundException(
                        key + ": mesh '" + key.mesh() + "' does not exist; create the mesh first");
                  });
        });
  }

  @Override
  public CompletableFuture<Resource> update(Resource resource, long expectedVersion) {
    return update(resource, expectedVersion, null);
  }

  /** Updates {@code resource}; with a fence, only while it holds (see {@link #fenced}). */
  CompletableFuture<Resource> update(Resource resource, long expectedVersion, Fence fence) {
    return write(
        "update " + resource.key(),
        () -> {
          EtcdFences.refuseUnheld(fence, "update " + resource.key());
          return updateAttempt(resource, expectedVersion, fence, 1);
        });
  }

  private CompletableFuture<Resource> updateAttempt(
      Resource resource, long expectedVersion, Fence fence, int attempt) {
    ResourceKey key = resource.key();
    ByteSequence k = keys.key(key);
    return kv.get(k)
        .thenCompose(
            read -> {
              if (read.getKvs().isEmpty()) {
                throw new NotFoundException(key + " does not exist");
              }
              KeyValue current = read.getKvs().get(0);
              if (expectedVersion > 0 && current.getModRevision() != expectedVersion) {
                throw conflict(key, current.getModRevision(), expectedVersion);
              }
              Instant created = values.decode(current).meta().creationTime();
              Instant now = now();
              Resource toStore =
                  resource.withMeta(
                      new Meta(resource.labels(), 0, created == null ? now : created, now));
              return writeIf(replacing(k, current), toStore, fence)
                  .thenCompose(
                      txn -> {
                        if (txn.isSucceeded()) {
                          return CompletableFuture.completedFuture(
                              toStore.withVersion(txn.getHeader().getRevision()));
                        }
                        EtcdFences.check(fence, txn, "update " + key);
                        List<KeyValue> now2 = txn.getGetResponses().get(0).getKvs();
                        if (now2.isEmpty()) {
                          throw new NotFoundException(key + " was deleted meanwhile");
                        }
                        if (expectedVersion > 0 || attempt >= UNCONDITIONAL_ATTEMPTS) {
                          throw conflict(key, now2.get(0).getModRevision(), expectedVersion);
                        }
                        // unconditional: someone wrote between our read and our write; again
                        return updateAttempt(resource, expectedVersion, fence, attempt + 1);
                      });
            });
  }

  @Override
  public CompletableFuture<Put> put(
      Resource resource, long expectedVersion, Consumer<Resource> checkExisting) {
    return put(resource, expectedVersion, checkExisting, null);
  }

  /**
   * Creates or replaces {@code resource}; with a fence, only while it holds (see {@link #fenced}).
   * Without an expected version it first tries the create transaction, whose {@code Else} reads the
   * key: a create is one round trip, a replace two (the failed create, then the replace compared on
   * the mod revision it read). With one, it reads the key, then replaces.
   */
  CompletableFuture<Put> put(
      Resource resource, long expectedVersion, Consumer<Resource> checkExisting, Fence fence) {
    ResourceKey key = resource.key();
    return write(
        "put " + key,
        () -> {
          EtcdFences.refuseUnheld(fence, "put " + key);
          if (expectedVersion == 0) {
            return createOrReplace(resource, checkExisting, fence, 1);
          }
          return kv.get(keys.key(key))
              .thenCompose(
                  read -> {
                    if (read.getKvs().isEmpty()) {
                      throw new NotFoundException(key + " does not exist");
                    }
                    return replace(
                        resource, read.getKvs().get(0), expectedVersion, checkExisting, fence, 1);
                  });
        });
  }

  private CompletableFuture<Put> createOrReplace(
      Resource resource, Consumer<Resource> checkExisting, Fence fence, int attempt) {
    ResourceKey key = resource.key();
    Instant now = now();
    Resource toStore =
        resource.withMeta(new Meta(resource.labels(), 0, resource.meta().creationTimeOr(now), now));
    return writeIf(creating(key), toStore, fence)
        .thenCompose(
            txn -> {
              if (txn.isSucceeded()) {
                return CompletableFuture.completedFuture(
                    new Put(toStore.withVersion(txn.getHeader().getRevision()), true));
              }
              EtcdFences.check(fence, txn, "put " + key);
              List<KeyValue> current = txn.getGetResponses().get(0).getKvs();
              if (current.isEmpty()) {
                throw new MeshNotFoundException(
                    key + ": mesh '" + key.mesh() + "' does not exist; create the mesh first");
              }
              return replace(resource, current.get(0), 0, checkExisting, fence, attempt);
            });
  }

  /** Replaces {@code current} (as read) with {@code resource}, compared on its mod revision. */
  private CompletableFuture<Put> replace(
      Resource resource,
      KeyValue current,
      long expectedVersion,
      Consumer<Resource> checkExisting,
      Fence fence,
      int attempt) {
    ResourceKey key = resource.key();
    Resource stored = values.decode(current);
    checkExisting.accept(stored);
    if (expectedVersion > 0 && current.getModRevision() != expectedVersion) {
      throw conflict(key, current.getModRevision(), expectedVersion);
    }
    Instant created = stored.meta().creationTime();
    Instant now = now();
    Resource toStore =
        resource.withMeta(new Meta(resource.labels(), 0, created == null ? now : created, now));
    return writeIf(replacing(keys.key(key), current), toStore, fence)
        .thenCompose(
            txn -> {
              if (txn.isSucceeded()) {
                return CompletableFuture.completedFuture(
                    new Put(toStore.withVersion(txn.getHeader().getRevision()), false));
              }
              EtcdFences.check(fence, txn, "put " + key);
              List<KeyValue> now2 = txn.getGetResponses().get(0).getKvs();
              if (expectedVersion > 0 || attempt >= UNCONDITIONAL_ATTEMPTS) {
                if (now2.isEmpty()) {
                  throw new NotFoundException(key + " was deleted meanwhile");
                }
                throw conflict(key, now2.get(0).getModRevision(), expectedVersion);
              }
              // someone wrote between our read and our write: again, from what is there now
              if (now2.isEmpty()) {
                if (expectedVersion != 0) {
                  throw new NotFoundException(key + " was deleted meanwhile");
                }
                return createOrReplace(resource, checkExisting, fence, attempt + 1);
              }
              return replace(
                  resource, now2.get(0), expectedVersion, checkExisting, fence, attempt + 1);
            });
  }

  @Override
  public CompletableFuture<Void> delete(ResourceKey key, long expectedVersion) {
    return delete(key, expectedVersion, (Fence) null);
  }

  /**
   * Deletes {@code key} (a mesh with everything in it); with a fence, only while it holds (see
   * {@link #fenced}).
   */
  CompletableFuture<Void> delete(ResourceKey key, long expectedVersion, Fence fence) {
    return write(
        "delete " + key,
        () -> {
          EtcdFences.refuseUnheld(fence, "delete " + key);
          ByteSequence k = keys.key(key);
          Cmp condition =
              expectedVersion > 0
                  ? new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedVersion))
                  : new Cmp(k, Cmp.Op.GREATER, CmpTarget.createRevision(0));
          List<Op> deletes = new ArrayList<>();
          if (key.mesh() == null && StandardTypes.MESH.equals(key.type())) {
            for (ResourceType type : codec.registry().meshScoped()) {
              deletes.add(
                  Op.delete(
                      keys.meshRange(type.name(), key.name()),
                      DeleteOption.builder().isPrefix(true).build()));
              deletes.add(
                  Op.delete(
                      keys.hiddenMeshRange(type.name(), key.name()),
                      DeleteOption.builder().isPrefix(true).build()));
            }
          }
          deletes.add(Op.delete(k, DeleteOption.DEFAULT));
          deletes.add(Op.delete(keys.hiddenKey(key), DeleteOption.DEFAULT));
          return kv.txn()
              .If(EtcdFences.conditions(fence, List.of(condition)))
              .Then(deletes.toArray(Op[]::new))
              .Else(EtcdFences.reads(fence, Op.get(k, GetOption.DEFAULT)))
              .commit()
              .thenApply(
                  txn -> {
                    if (txn.isSucceeded()) {
                      return null;
                    }
                    EtcdFences.check(fence, txn, "delete " + key);
                    List<KeyValue> current = txn.getGetResponses().get(0).getKvs();
                    if (current.isEmpty()) {
                      throw new NotFoundException(key + " does not exist");
                    }
                    throw conflict(key, current.get(0).getModRevision(), expectedVersion);
                  });
        });
  }

  /** A create's conditions: {@code key} is absent and, for a mesh-scoped key, its mesh exists. */
  private List<Cmp> creating(ResourceKey key) {
    List<Cmp> conditions = new ArrayList<>();
    conditions.add(new Cmp(keys.key(key), Cmp.Op.EQUAL, CmpTarget.createRevision(0)));
    if (key.mesh() != null) {
      ByteSequence meshKey = keys.key(ResourceKey.global(StandardTypes.MESH, key.mesh()));
      conditions.add(new Cmp(meshKey, Cmp.Op.GREATER, CmpTarget.createRevision(0)));
    }
    return conditions;
  }

  /** A replace's condition: {@code k} is still at the mod revision of {@code current}. */
  private static List<Cmp> replacing(ByteSequence k, KeyValue current) {
    return List.of(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(current.getModRevision())));
  }

  /**
   * Writes {@code toStore} and its hidden-index entry when {@code conditions} (and the fence) hold;
   * otherwise reads the key as it is now (and the fence's keys).
   */
  private CompletableFuture<TxnResponse> writeIf(
      List<Cmp> conditions, Resource toStore, Fence fence) {
    ByteSequence k = keys.key(toStore.key());
    return kv.txn()
        .If(EtcdFences.conditions(fence, conditions))
        .Then(Op.put(k, values.encode(toStore), PutOption.DEFAULT), hiddenIndexOp(toStore))
        .Else(EtcdFences.reads(fence, Op.get(k, GetOption.DEFAULT)))
        .commit();
  }

  /**
   * The hidden index's part of a write of {@code toStore}: its entry when the API hides it, no
   * entry otherwise (a write may change that, e.g. a key that gets published).
   */
  private Op hiddenIndexOp(Resource toStore) {
    ByteSequence entry = keys.hiddenKey(toStore.key());
    return Labels.isHidden(toStore)
        ? Op.put(entry, ByteSequence.EMPTY, PutOption.DEFAULT)
        : Op.delete(entry, DeleteOption.DEFAULT);
  }

  /**
   * Indexes the hidden resources that versions of meshfed before the hidden index wrote (see {@link
   * EtcdKeys}), once: when {@code <prefix>/_layout/hidden-index} is there, nothing is read. Each
   * entry is written only if its resource still has the version that was read, so a concurrent
   * write (which keeps the index itself) wins. Safe to run from several replicas at once. Run it
   * before visible-only lists are served ({@link Stores#open} does).
   *
   * @return how many entries were written
   */
  public CompletableFuture<Integer> indexHiddenResources() {
    return new HiddenIndexMigration(kv, keys, listing, calls).run();
  }

  // ------------------------------------------------------------------ fencing

  /**
   * A view whose create, update and delete commit only while {@code fence} holds: each write's
   * transaction also compares {@code mod_revision(fence.key()) == fence.revision()}, so a holder
   * that lost its right (its lease expired, another process took the key) writes nothing and gets
   * {@link FencedException}. When {@link Fence#held()} is already false the write fails at once,
   * without a call to etcd. Reads and watches are this store's; closing the view closes nothing.
   *
   * @param fence a fence whose key is a full etcd key (from the etcd coordination)
   */
  @Override
  public ResourceStore fenced(Fence fence) {
    return new EtcdFencedStore(this, Objects.requireNonNull(fence, "fence"));
  }

  private static ConflictException conflict(ResourceKey key, long actual, long expected) {
    return new ConflictException(
        key
            + " has version "
            + actual
            + ", not the expected "
            + expected
            + ": it was changed meanwhile; read it again and retry");
  }

  // ------------------------------------------------------------------ reads

  @Override
  public CompletableFuture<Optional<Resource>> get(ResourceKey key) {
    return call(
        "get " + key,
        () ->
            kv.get(keys.key(key))
                .thenApply(
                    r ->
                        r.getKvs().isEmpty()
                            ? Optional.empty()
                            : Optional.of(values.decode(r.getKvs().get(0)))));
  }

  /**
   * Reads in pages at one revision (see {@link EtcdListing}): the keys first, then only the values
   * the page needs (or, with label selectors, every value streamed by).
   */
  @Override
  public CompletableFuture<ResourcePage> list(ListQuery query) {
    return listing.list(query);
  }

  @Override
  public CompletableFuture<Long> currentRevision() {
    return call(
        "read the current revision",
        () ->
            kv.get(keys.root(), GetOption.builder().withCountOnly(true).build())
                .thenApply(r -> r.getHeader().getRevision()));
  }

  /**
   * Everything under the prefix, and the revision it was read at (for watch resets), read in pages
   * at that one revision.
   */
  CompletableFuture<Snapshot> snapshot() {
    return listing.snapshot();
  }

  record Snapshot(List<Resource> all, long revision) {}

  /** The stored resource, or empty (logged) when its value cannot be read by this version. */
  Optional<Resource> decodeOrSkip(KeyValue kvPair) {
    return values.decodeOrSkip(kvPair);
  }

  // ------------------------------------------------------------------ watch

  @Override
  public Closeable watch(long fromRevision, WatchListener listener) {
    if (closed) {
      throw new StoreUnavailableException(
          "the etcd store for " + options.endpoints() + " is closed");
    }
    EtcdWatch w =
        new EtcdWatch(
            this,
            client.getWatchClient(),
            keys,
            fromRevision,
            listener,
            new SerialExecutor(callbacks),
            scheduler,
            options.watchRetryMin(),
            options.watchRetryMax(),
            watches::remove);
    watches.add(w);
    w.start();
    return w;
  }

  // ------------------------------------------------------------------ lifecycle

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (EtcdWatch w : List.copyOf(watches)) {
      w.shutDown(null);
    }
    watches.clear();
    client.close();
    if (ownsExecutors) {
      scheduler.shutdownNow();
      // let queued onClosed callbacks run, then the daemon threads end
      callbacks.shutdown();
    }
    log.info("etcd store for {} under {} closed", options.endpoints(), keys.prefix());
  }

  boolean isClosed() {
    return closed;
  }

  // ------------------------------------------------------------------ helpers

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  /** Runs one etcd call with the request timeout, mapping failures (see {@link EtcdCalls}). */
  <T> CompletableFuture<T> call(String what, Supplier<CompletableFuture<T>> op) {
    return calls.call(what, op);
  }

  /** Runs one etcd write with the write timeout, mapping failures (see {@link EtcdCalls}). */
  private <T> CompletableFuture<T> write(String what, Supplier<CompletableFuture<T>> op) {
    return calls.write(what, op);
  }
}

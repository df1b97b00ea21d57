package io.meshfed.store.etcd.ha;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.meshfed.store.StoreUnavailableException;
import io.meshfed.store.ha.Fence;
import io.meshfed.store.ha.LeasedKeys;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leased keys of one namespace at {@code <prefix>/ha/keys/<namespace>/<name>}, each bound to
 * this process's session lease. Keys set with {@link #put} are set again under each new lease
 * (after the process gave one up); claims are not: a claim whose lease is gone no longer holds, and
 * its holder must claim again.
 */
final class EtcdLeasedKeys implements LeasedKeys {
  private static final Logger log = LoggerFactory.getLogger(EtcdLeasedKeys.class);
  private static final int CLAIM_ATTEMPTS = 8;

  private final String namespace;
  private final String prefix;
  private final KV kv;
  private final Watch watches;
  private final EtcdSession session;
  private final EtcdCalls calls;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService callbacks;
  private final Map<String, String> puts = new ConcurrentHashMap<>();

  EtcdLeasedKeys(
      String namespace,
      String prefix,
      KV kv,
      Watch watches,
      EtcdSession session,
      EtcdCalls calls,
      ScheduledExecutorService scheduler,
      ExecutorService callbacks) {
    this.namespace = namespace;
    this.prefix = prefix;
    this.kv = kv;
    this.watches = watches;
    this.session = session;
    this.calls = calls;
    this.scheduler = scheduler;
    this.callbacks = callbacks;
    session.onGranted(this::putAgain);
  }

  private String key(String name) {
    return prefix + name;
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static String text(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }

  @Override
  public CompletableFuture<Void> put(String name, String value) {
    puts.put(name, value);
    return withLease(
        "put " + namespace + "/" + name,
        grant ->
            kv.put(
                    bytes(key(name)),
                    bytes(value),
                    PutOption.builder().withLeaseId(grant.id).build())
                .thenApply(ok -> null));
  }

  /** Runs {@code op} with the live lease, once there is one (see {@link EtcdSession#live()}). */
  private <T> CompletableFuture<T> withLease(
      String what, Function<EtcdSession.Grant, CompletableFuture<T>> op) {
    return session
        .live()
        .handle(
            (grant, error) ->
                error != null
                    ? CompletableFuture.<T>failedFuture(
                        new StoreUnavailableException(
                            "cannot "
                                + what
                                + ": this process got no etcd lease within "
                                + session.leaseWait()
                                + " (is etcd reachable?)",
                            error))
                    : calls.call(what, () -> op.apply(grant)))
        .thenCompose(f -> f);
  }

  private void putAgain(EtcdSession.Grant grant) {
    puts.forEach(
        (name, value) ->
            kv.put(
                    bytes(key(name)),
                    bytes(value),
                    PutOption.builder().withLeaseId(grant.id).build())
                .whenComplete(
                    (ok, error) -> {
                      if (error != null) {
                        log.warn(
                            "cannot set {}/{} again under the new lease: {}",
                            namespace,
                            name,
                            error.toString());
                      }
                    }));
  }

  @Override
  public CompletableFuture<Claim> claim(String name, String value, Predicate<String> mayTakeOver) {
    return withLease(
        "claim " + namespace + "/" + name,
        grant -> claimAttempt(name, value, mayTakeOver, grant, 1));
  }

  private CompletableFuture<Claim> claimAttempt(
      String name, String value, Predicate<String> mayTakeOver, EtcdSession.Grant grant, int n) {
    ByteSequence k = bytes(key(name));
    PutOption withLease = PutOption.builder().withLeaseId(grant.id).build();
    return kv.txn()
        .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
        .Then(Op.put(k, bytes(value), withLease))
        .Else(Op.get(k, GetOption.DEFAULT))
        .commit()
        .thenCompose(
            created -> {
              if (created.isSucceeded()) {
                return CompletableFuture.completedFuture(
                    held(name, value, created.getHeader().getRevision(), grant));
              }
              if (created.getGetResponses().get(0).getKvs().isEmpty()) {
                return retry(name, value, mayTakeOver, grant, n); // deleted meanwhile
              }
              KeyValue current = created.getGetResponses().get(0).getKvs().get(0);
              String holder = text(current.getValue());
              if (!mayTakeOver.test(holder)) {
                return CompletableFuture.completedFuture(
                    new Claim(name, false, holder, Optional.empty()));
              }
              // take over only what we judged: the value at this mod revision
              return kv.txn()
                  .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(current.getModRevision())))
                  .Then(Op.put(k, bytes(value), withLease))
                  .commit()
                  .thenCompose(
                      replaced ->
                          replaced.isSucceeded()
                              ? CompletableFuture.completedFuture(
                                  held(name, value, replaced.getHeader().getRevision(), grant))
                              : retry(name, value, mayTakeOver, grant, n));
            });
  }

  private CompletableFuture<Claim> retry(
      String name, String value, Predicate<String> mayTakeOver, EtcdSession.Grant grant, int n) {
    if (n >= CLAIM_ATTEMPTS) {
      return read(name).thenApply(now -> new Claim(name, false, now.orElse(""), Optional.empty()));
    }
    return claimAttempt(name, value, mayTakeOver, grant, n + 1);
  }

  private Claim held(String name, String value, long revision, EtcdSession.Grant grant) {
    return new Claim(name, true, value, Optional.of(new ClaimFence(key(name), revision, grant)));
  }

  @Override
  public CompletableFuture<Void> release(Claim claim) {
    if (claim.fence().isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    Fence fence = claim.fence().get();
    if (fence instanceof ClaimFence mine) {
      mine.released = true;
    }
    ByteSequence k = bytes(fence.key());
    return calls.call(
        "release " + namespace + "/" + claim.name(),
        () ->
            kv.txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(fence.revision())))
                .Then(Op.delete(k, DeleteOption.DEFAULT))
                .commit()
                .thenApply(ok -> null));
  }

  @Override
  public Fence vacancy(String name) {
    return new VacancyFence(key(name));
  }

  @Override
  public CompletableFuture<Optional<String>> read(String name) {
    return calls.call(
        "read " + namespace + "/" + name,
        () ->
            kv.get(bytes(key(name)))
                .thenApply(
                    r ->
                        r.getKvs().isEmpty()
                            ? Optional.empty()
                            : Optional.of(text(r.getKvs().get(0).getValue()))));
  }

  @Override
  public CompletableFuture<Map<String, String>> list() {
    return calls.call(
        "list " + namespace,
        () ->
            kv.get(bytes(prefix), GetOption.builder().isPrefix(true).build())
                .thenApply(
                    r -> {
                      Map<String, String> all = new TreeMap<>();
                      for (KeyValue entry : r.getKvs()) {
                        all.put(
                            text(entry.getKey()).substring(prefix.length()),
                            text(entry.getValue()));
                      }
                      return all;
                    }));
  }

  @Override
  public Closeable watch(String name, Consumer<Optional<String>> onChange) {
    EtcdKeyWatch watch =
        new EtcdKeyWatch(
            key(name), kv, watches, onChange, scheduler, callbacks, EtcdKeyWatch.CONFIRM);
    watch.start();
    return watch;
  }

  /** A claim's fence: its key at the claim's revision, while the lease it was made under lives. */
  private static final class ClaimFence implements Fence {
    private final String key;
    private final long revision;
    private final EtcdSession.Grant grant;
    private volatile boolean released;

    ClaimFence(String key, long revision, EtcdSession.Grant grant) {
      this.key = key;
      this.revision = revision;
      this.grant = grant;
    }

    @Override
    public String key() {
      return key;
    }

    @Override
    public long revision() {
      return revision;
    }

    @Override
    public boolean held() {
      return !released && grant.alive();
    }

    @Override
    public String toString() {
      return "ClaimFence[" + key + "@" + revision + "]";
    }
  }

  /** Holds while the key is absent: etcd compares an absent key's mod revision as 0. */
  private record VacancyFence(String key) implements Fence {
    @Override
    public long revision() {
      return 0;
    }

    @Override
    public boolean held() {
      return true;
    }
  }
}

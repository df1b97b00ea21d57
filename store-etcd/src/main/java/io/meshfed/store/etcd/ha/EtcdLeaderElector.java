package io.meshfed.store.etcd.ha;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.meshfed.store.ha.LeaderElector;
import io.meshfed.store.ha.Term;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Elects the leader of one role with one etcd key, {@code <prefix>/ha/leader/<role>}, whose value
 * is the leader's instance id and which is bound to the leader's session lease. Each {@link #tick}
 * (on the coordination's scheduler) sends one transaction: create the key with our lease if it is
 * absent, else read it. Creating it starts a {@link Term} whose fence is the key and its revision;
 * the term ends when the lease is given up (see {@link EtcdSession}), when a read shows the key is
 * no longer ours, or on close. The key is not campaigned for with jetcd's {@code Election}: its
 * campaign blocks inside etcd and its leader key outlives a locally given-up lease, while here the
 * process decides locally when to stop and when to try again.
 *
 * <p>Subscribers are called, and terms' {@link Term#lost()} completed, in order on one events
 * thread, so a slow leader job never delays keep-alives.
 */
final class EtcdLeaderElector implements LeaderElector {
  private static final Logger log = LoggerFactory.getLogger(EtcdLeaderElector.class);

  private final String role;
  private final String instanceId;
  private final String key;
  private final ByteSequence keyBytes;
  private final KV kv;
  private final EtcdSession session;
  private final Duration requestTimeout;
  private final ScheduledExecutorService scheduler;
  private final Executor events;
  private final List<Subscription> subscribers = new CopyOnWriteArrayList<>();
  private final AtomicLong changes = new AtomicLong();

  // written on the scheduler thread, read anywhere
  private volatile EtcdTerm term;
  private volatile Optional<String> leader = Optional.empty();
  private long lastLeaderCreateRevision;
  private boolean inFlight;
  private volatile boolean closed;

  EtcdLeaderElector(
      String role,
      String instanceId,
      String key,
      KV kv,
      EtcdSession session,
      Duration requestTimeout,
      ScheduledExecutorService scheduler,
      Executor events) {
    this.role = role;
    this.instanceId = instanceId;
    this.key = key;
    this.keyBytes = ByteSequence.from(key, StandardCharsets.UTF_8);
    this.kv = kv;
    this.session = session;
    this.requestTimeout = requestTimeout;
    this.scheduler = scheduler;
    this.events = events;
  }

  @Override
  public String role() {
    return role;
  }

  @Override
  public Closeable onLeadership(Consumer<Term> onGained) {
    Subscription subscription = new Subscription(onGained);
    events.execute(
        () -> {
          subscribers.add(subscription);
          EtcdTerm now = term;
          if (now != null && now.held()) {
            subscription.deliver(now);
          }
        });
    return () -> {
      subscription.active = false;
      subscribers.remove(subscription);
    };
  }

  @Override
  public boolean isLeader() {
    EtcdTerm now = term;
    return now != null && now.held();
  }

  @Override
  public Optional<String> leader() {
    return leader;
  }

  @Override
  public long leaderChanges() {
    return changes.get();
  }

  /** The current term, if any (for tests). */
  EtcdTerm term() {
    return term;
  }

  /** One campaign step; runs on the scheduler thread. */
  void tick() {
    if (closed || inFlight) {
      return;
    }
    EtcdTerm now = term;
    EtcdSession.Grant grant = session.current();
    if (now != null && (grant != now.grant || !now.held())) {
      end(now, "its lease was given up");
      now = null;
    }
    if (grant == null) {
      return;
    }
    inFlight = true;
    EtcdTerm leading = now;
    kv.txn()
        .If(new Cmp(keyBytes, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
        .Then(
            Op.put(
                keyBytes,
                ByteSequence.from(instanceId, StandardCharsets.UTF_8),
                PutOption.builder().withLeaseId(grant.id).build()))
        .Else(Op.get(keyBytes, GetOption.DEFAULT))
        .commit()
        .orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .whenCompleteAsync(
            (txn, error) -> {
              inFlight = false;
              if (closed) {
                return;
              }
              if (error != null) {
                log.debug("campaign for {} failed: {}", role, error.toString());
                return;
              }
              if (txn.isSucceeded()) {
                long revision = txn.getHeader().getRevision();
                observed(Optional.of(instanceId), revision);
                begin(new EtcdTerm(revision, grant));
                return;
              }
              List<KeyValue> kvs = txn.getGetResponses().get(0).getKvs();
              if (kvs.isEmpty()) {
                observed(Optional.empty(), 0);
                return;
              }
              KeyValue current = kvs.get(0);
              observed(
                  Optional.of(current.getValue().toString(StandardCharsets.UTF_8)),
                  current.getCreateRevision());
              if (leading != null && current.getModRevision() != leading.revision) {
                end(leading, "the leader key now has revision " + current.getModRevision());
              }
            },
            scheduler);
  }

  private void observed(Optional<String> value, long createRevision) {
    leader = value;
    if (createRevision != 0 && createRevision != lastLeaderCreateRevision) {
      lastLeaderCreateRevision = createRevision;
      changes.incrementAndGet();
      log.info("leader of {} is {} (revision {})", role, value.orElse(""), createRevision);
    }
  }

  private void begin(EtcdTerm fresh) {
    if (session.current() != fresh.grant) {
      return; // the lease was given up meanwhile; its revoke or expiry removes the key
    }
    term = fresh;
    fresh.grant.ended.whenCompleteAsync(
        (ok, error) -> end(fresh, "its lease was given up"), scheduler);
    log.info("{} leads {} from revision {}", instanceId, role, fresh.revision);
    events.execute(
        () -> {
          for (Subscription subscription : subscribers) {
            if (fresh.held()) {
              subscription.deliver(fresh);
            }
          }
        });
  }

  private synchronized void end(EtcdTerm old, String why) {
    if (!old.over) {
      old.over = true;
      if (term == old) {
        term = null;
        leader = Optional.empty();
      }
      log.warn("{} no longer leads {} (revision {}): {}", instanceId, role, old.revision, why);
      events.execute(() -> old.ended.complete(null));
    }
  }

  @Override
  public void close() {
    closed = true;
    EtcdTerm now = term;
    if (now != null) {
      end(now, "resigned");
      // resign: delete the key only if it is still this term's
      kv.txn()
          .If(new Cmp(keyBytes, Cmp.Op.EQUAL, CmpTarget.modRevision(now.revision)))
          .Then(Op.delete(keyBytes, io.etcd.jetcd.options.DeleteOption.DEFAULT))
          .commit()
          .orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .handle((ok, error) -> null)
          .join();
    }
  }

  private static final class Subscription {
    private final Consumer<Term> onGained;
    private volatile boolean active = true;

    Subscription(Consumer<Term> onGained) {
      this.onGained = onGained;
    }

    void deliver(Term term) {
      if (!active) {
        return;
      }
      try {
        onGained.accept(term);
      } catch (RuntimeException e) {
        log.error("a leadership subscriber of {} failed", term.role(), e);
      }
    }
  }

  /** A term: held while its lease is alive and nothing ended it. */
  final class EtcdTerm implements Term {
    private final long revision;
    private final EtcdSession.Grant grant;
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private volatile boolean over;

    EtcdTerm(long revision, EtcdSession.Grant grant) {
      this.revision = revision;
      this.grant = grant;
    }

    @Override
    public String role() {
      return role;
    }

    @Override
    public CompletionStage<Void> lost() {
      return ended;
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
      return !over && grant.alive();
    }

    @Override
    public String toString() {
      return "Term[" + role + " @" + revision + (held() ? "" : ", over") + "]";
    }
  }
}

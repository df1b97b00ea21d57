package io.meshfed.store.etcd.ha;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Lease;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.LeaseRevokeResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The session's local deadline, on a test clock: a lease is used once a keep-alive came back, and
 * given up (and revoked) at TTL − 1 s after the last answered keep-alive was sent, before etcd can
 * expire it.
 */
@Timeout(10)
class EtcdSessionTest {
  private static final long MS = 1_000_000;

  private final AtomicLong now = new AtomicLong(1_000 * MS);
  private final ScriptedLease leases = new ScriptedLease();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final EtcdSession session =
      new EtcdSession(leases, Duration.ofSeconds(2), Duration.ofSeconds(3), now::get, scheduler);

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  private void tick() throws Exception {
    scheduler.submit(session::tick).get(5, TimeUnit.SECONDS);
    scheduler.submit(() -> {}).get(5, TimeUnit.SECONDS); // let queued answers run
  }

  private void settle() throws Exception {
    scheduler.submit(() -> {}).get(5, TimeUnit.SECONDS);
  }

  @Test
  void theDefaultLeaseRenewsEveryHalfSecondAndStepsDownAfterTwoSecondsWithoutAnswer()
      throws Exception {
    Duration ttl = EtcdCoordination.Options.DEFAULT_LEASE_TTL;
    assertThat(ttl)
        .as("a new leader within 5 s needs the key gone well before")
        .isEqualTo(Duration.ofSeconds(3));
    EtcdSession byDefault =
        new EtcdSession(leases, ttl, Duration.ofSeconds(3), now::get, scheduler);
    // four keep-alives per TTL - 1 s: a busy machine must miss four in a row to step down
    assertThat(byDefault.keepAliveInterval())
        .isEqualTo(Duration.ofMillis(500))
        .isLessThanOrEqualTo(ttl.dividedBy(3));

    scheduler.submit(byDefault::tick).get(5, TimeUnit.SECONDS); // grant sent at t=1000 ms
    leases.grants.remove(0).complete(grant(9, 3)); // its first keep-alive goes at t=1000 ms
    settle();
    leases.answerNextKeepAlive(3);
    settle();
    EtcdSession.Grant lease = byDefault.current();
    assertThat(lease).isNotNull();
    assertThat(lease.deadline())
        .as("steps down 1 s before etcd could expire it")
        .isEqualTo((1000 + 3000 - 1000) * MS);
  }

  @Test
  void aLeaseIsUsedOnceRenewedAndGivenUpOneSecondBeforeItCouldExpire() throws Exception {
    List<EtcdSession.Grant> granted = new CopyOnWriteArrayList<>();
    session.onGranted(granted::add);
    assertThat(session.keepAliveInterval()).isEqualTo(Duration.ofMillis(250));

    tick(); // grant sent at t=1000 ms
    now.addAndGet(300 * MS);
    leases.grants.remove(0).complete(grant(7, 2)); // a keep-alive goes at once, t=1300 ms
    settle();
    assertThat(session.current()).as("not used before a keep-alive came back").isNull();

    now.addAndGet(100 * MS);
    leases.answerNextKeepAlive(2);
    settle();
    EtcdSession.Grant lease = session.current();
    assertThat(lease).isNotNull();
    assertThat(granted).containsExactly(lease);
    // counted from when the answered keep-alive was sent, not from when it was answered
    assertThat(lease.deadline()).isEqualTo((1300 + 2000 - 1000) * MS);

    // no answer any more: alive until 2300 ms, then given up and revoked
    leases.silent = true;
    now.set(2299 * MS);
    tick();
    assertThat(lease.alive()).isTrue();
    now.set(2300 * MS);
    assertThat(lease.alive()).as("not alive at its deadline, even before a tick").isFalse();
    tick();
    assertThat(lease.ended).isDone();
    assertThat(leases.revoked).containsExactly(7L);
    assertThat(session.current()).isNull();
    tick();
    assertThat(leases.grants).as("a new lease is asked for").hasSize(1);
  }

  @Test
  void aLeaseEtcdSaysExpiredEndsAtOnceAndCutOffSendsNoRevoke() throws Exception {
    tick();
    leases.grants.remove(0).complete(grant(7, 2));
    settle();
    leases.answerNextKeepAlive(2);
    settle();
    EtcdSession.Grant first = session.current();
    assertThat(first).isNotNull();

    leases.answerNextKeepAlive(0); // etcd: lease not found / expired
    tick();
    assertThat(first.ended).isDone();
    assertThat(leases.revoked).containsExactly(7L);
    tick();

    leases.grants.remove(0).complete(grant(8, 2));
    settle();
    leases.answerNextKeepAlive(2);
    settle();
    EtcdSession.Grant second = session.current();
    assertThat(second.id).isEqualTo(8);

    session.partition(true);
    leases.silent = true;
    now.addAndGet(1000 * MS);
    tick();
    assertThat(second.ended).isDone();
    assertThat(leases.revoked).as("a cut-off process cannot revoke").containsExactly(7L);
    assertThat(leases.grants).as("nor ask for a new lease").isEmpty();
  }

  private static LeaseGrantResponse grant(long id, long ttl) {
    return new LeaseGrantResponse(
        io.etcd.jetcd.api.LeaseGrantResponse.newBuilder().setID(id).setTTL(ttl).build());
  }

  /** A lease client whose answers the test gives. */
  private static final class ScriptedLease implements Lease {
    final List<CompletableFuture<LeaseGrantResponse>> grants = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<LeaseKeepAliveResponse>> keepAlives = new CopyOnWriteArrayList<>();
    final List<Long> revoked = new CopyOnWriteArrayList<>();
    volatile boolean silent;

    /** Answers the oldest keep-alive in flight, or the next one sent. */
    void answerNextKeepAlive(long ttl) {
      LeaseKeepAliveResponse answer =
          new LeaseKeepAliveResponse(
              io.etcd.jetcd.api.LeaseKeepAliveResponse.newBuilder().setID(7).setTTL(ttl).build());
      if (!keepAlives.isEmpty()) {
        keepAlives.remove(0).complete(answer);
      } else {
        pending = answer;
      }
    }

    private volatile LeaseKeepAliveResponse pending;

    @Override
    public CompletableFuture<LeaseGrantResponse> grant(long ttl) {
      CompletableFuture<LeaseGrantResponse> f = new CompletableFuture<>();
      grants.add(f);
      return f;
    }

    @Override
    public CompletableFuture<LeaseGrantResponse> grant(long ttl, long timeout, TimeUnit unit) {
      return grant(ttl);
    }

    @Override
    public CompletableFuture<LeaseRevokeResponse> revoke(long leaseId) {
      revoked.add(leaseId);
      return new CompletableFuture<>();
    }

    @Override
    public CompletableFuture<LeaseKeepAliveResponse> keepAliveOnce(long leaseId) {
      CompletableFuture<LeaseKeepAliveResponse> f = new CompletableFuture<>();
      LeaseKeepAliveResponse ready = pending;
      if (ready != null) {
        pending = null;
        f.complete(ready);
      } else if (!silent) {
        keepAlives.add(f);
      }
      return f;
    }

    @Override
    public CompletableFuture<LeaseTimeToLiveResponse> timeToLive(long leaseId, LeaseOption o) {
      return new CompletableFuture<>();
    }

    @Override
    public CloseableClient keepAlive(long leaseId, StreamObserver<LeaseKeepAliveResponse> o) {
      throw new UnsupportedOperationException();
    }
  }
}

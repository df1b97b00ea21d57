package io.meshfed.store.etcd.ha;

import io.etcd.jetcd.Lease;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's etcd lease, renewed with one keep-alive at a time. The lease is treated as lost
 * (and its {@link Lease#revoke} sent, best effort) as soon as no keep-alive was answered for the
 * TTL minus a margin since the last answered one was sent: etcd cannot have expired it before, so
 * this process stops acting on it first. Then a new lease is granted, as long as it takes. Runs on
 * one scheduler thread ({@link #tick} every {@code interval}).
 */
final class EtcdSession {
  private static final Logger log = LoggerFactory.getLogger(EtcdSession.class);

  /** Keep-alives in flight at once: a slow answer does not hold back the next keep-alive. */
  private static final int MAX_RENEWING = 4;

  private final Lease leases;
  private final Duration ttl;
  private final Duration margin;
  private final Duration requestTimeout;
  private final LongSupplier nanoTime;
  private final ScheduledExecutorService scheduler;
  private final List<Consumer<Grant>> onGranted = new CopyOnWriteArrayList<>();

  // touched on the scheduler thread; current is read from anywhere
  private volatile Grant current;
  private boolean granting;
  private int renewing;
  private volatile boolean partitioned;
  private volatile boolean closed;

  EtcdSession(
      Lease leases,
      Duration ttl,
      Duration requestTimeout,
      LongSupplier nanoTime,
      ScheduledExecutorService scheduler) {
    if (ttl.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("the lease TTL must be at least 1 s, got " + ttl);
    }
    this.leases = leases;
    this.ttl = ttl;
    // step down 1 s before the lease can expire (half the TTL when that is shorter)
    Duration half = ttl.dividedBy(2);
    this.margin = half.compareTo(Duration.ofSeconds(1)) < 0 ? half : Duration.ofSeconds(1);
    this.requestTimeout = requestTimeout;
    this.nanoTime = nanoTime;
    this.scheduler = scheduler;
  }

  /** How often keep-alives go out: a few per (TTL − margin), so one late answer is not fatal. */
  Duration keepAliveInterval() {
    Duration byMargin = ttl.minus(margin).dividedBy(4);
    Duration byTtl = ttl.dividedBy(3);
    Duration interval = byMargin.compareTo(byTtl) < 0 ? byMargin : byTtl;
    return interval.compareTo(Duration.ofMillis(50)) < 0 ? Duration.ofMillis(50) : interval;
  }

  /** Called with each new lease, on the scheduler thread. */
  void onGranted(Consumer<Grant> listener) {
    onGranted.add(listener);
  }

  /** The live lease (renewed at least once), or null while there is none. */
  Grant current() {
    Grant g = current;
    return g != null && g.confirmed && g.alive() ? g : null;
  }

  /** How long {@link #live()} waits for a lease: two TTLs, at least 10 s (a cold start). */
  Duration leaseWait() {
    Duration twice = ttl.multipliedBy(2);
    return twice.compareTo(Duration.ofSeconds(10)) < 0 ? Duration.ofSeconds(10) : twice;
  }

  /** A lease that is live now or the next one in use (waits up to {@link #leaseWait()}). */
  CompletableFuture<Grant> live() {
    Grant g = current();
    if (g != null) {
      return CompletableFuture.completedFuture(g);
    }
    CompletableFuture<Grant> next = new CompletableFuture<>();
    Consumer<Grant> listener = next::complete;
    onGranted.add(listener);
    g = current();
    if (g != null) {
      next.complete(g);
    }
    return next.orTimeout(leaseWait().toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((ok, error) -> onGranted.remove(listener));
  }

  /** Test hook: stop keep-alives and revokes, as if this process were cut off from etcd. */
  void partition(boolean cutOff) {
    partitioned = cutOff;
  }

  void tick() {
    if (closed) {
      return;
    }
    Grant g = current;
    if (g != null && !g.ended.isDone() && !g.alive()) {
      lose(g, "no keep-alive answered within " + ttl.minus(margin).toMillis() + " ms");
    }
    g = current;
    if (g == null || g.ended.isDone()) {
      grant();
    } else if (renewing < MAX_RENEWING && !partitioned) {
      renew(g);
    }
  }

  private void grant() {
    if (granting || partitioned) {
      return;
    }
    granting = true;
    long sent = nanoTime.getAsLong();
    leases
        .grant(ttl.toSeconds())
        .orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .whenCompleteAsync(
            (response, error) -> {
              granting = false;
              if (closed) {
                if (error == null) {
                  leases.revoke(response.getID());
                }
                return;
              }
              if (error != null) {
                log.warn("cannot get an etcd lease: {}", String.valueOf(error.getMessage()));
                return;
              }
              // in use once a keep-alive came back: the renewal path works and the deadline
              // counts from a round trip known to be short enough
              Grant fresh = new Grant(response.getID(), this, sent, response.getTTL());
              current = fresh;
              renew(fresh);
            },
            scheduler);
  }

  private void renew(Grant g) {
    renewing++;
    long sent = nanoTime.getAsLong();
    leases
        .keepAliveOnce(g.id)
        .orTimeout(ttl.toMillis(), TimeUnit.MILLISECONDS)
        .whenCompleteAsync(
            (LeaseKeepAliveResponse response, Throwable error) -> {
              renewing--;
              long tookMs = (nanoTime.getAsLong() - sent) / 1_000_000;
              if (error != null) {
                log.debug(
                    "keep-alive of lease {} failed after {} ms: {}",
                    Long.toHexString(g.id),
                    tookMs,
                    error.toString());
              } else if (response.getTTL() <= 0) {
                lose(g, "etcd says the lease expired");
              } else {
                log.trace(
                    "keep-alive of lease {} answered in {} ms", Long.toHexString(g.id), tookMs);
                g.extend(sent, response.getTTL());
                confirm(g);
              }
            },
            scheduler);
  }

  private void confirm(Grant g) {
    if (g.confirmed || g.ended.isDone() || !g.alive()) {
      return;
    }
    g.confirmed = true;
    log.info("etcd lease {} in use (TTL {} s)", Long.toHexString(g.id), ttl.toSeconds());
    for (Consumer<Grant> listener : onGranted) {
      listener.accept(g);
    }
  }

  private void lose(Grant g, String why) {
    if (!g.ended.complete(null)) {
      return;
    }
    if (g.confirmed) {
      log.warn("etcd lease {} given up: {}; stepping down", Long.toHexString(g.id), why);
    } else {
      log.info("new etcd lease {} dropped: {}", Long.toHexString(g.id), why);
    }
    if (!partitioned) {
      // its keys go now instead of at expiry, so another process can take over at once
      leases.revoke(g.id).exceptionally(e -> null);
    }
  }

  /** Ends the lease now and revokes it: its keys go at once. */
  CompletableFuture<Void> close() {
    closed = true;
    Grant g = current;
    if (g == null || !g.ended.complete(null)) {
      return CompletableFuture.completedFuture(null);
    }
    return leases
        .revoke(g.id)
        .orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle((ok, error) -> null);
  }

  /** One granted lease: live until it ended or its local deadline passed. */
  static final class Grant {
    final long id;
    final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final EtcdSession session;
    private volatile long deadline;
    private volatile boolean confirmed;

    Grant(long id, EtcdSession session, long sentNanos, long ttlSeconds) {
      this.id = id;
      this.session = session;
      this.deadline = until(sentNanos, ttlSeconds);
    }

    private long until(long sentNanos, long ttlSeconds) {
      return sentNanos + TimeUnit.SECONDS.toNanos(ttlSeconds) - session.margin.toNanos();
    }

    /** Etcd renewed the lease for {@code ttlSeconds} no earlier than {@code sentNanos}. */
    void extend(long sentNanos, long ttlSeconds) {
      long until = until(sentNanos, ttlSeconds);
      if (until - deadline > 0) {
        deadline = until;
      }
    }

    /** Whether this process may still act on the lease. */
    boolean alive() {
      return !ended.isDone() && session.nanoTime.getAsLong() - deadline < 0;
    }

    /** When the lease stops being {@link #alive()}, in the session's nano time. */
    long deadline() {
      return deadline;
    }
  }
}

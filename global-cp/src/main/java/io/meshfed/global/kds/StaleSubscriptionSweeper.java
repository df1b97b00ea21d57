package io.meshfed.global.kds;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.ZoneInsightSpec;
import io.meshfed.model.spec.ZoneInsightSpec.KdsSubscription;
import io.meshfed.store.ConflictException;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.ha.LeasedKeys;
import java.io.Closeable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the zone subscriptions whose global replica is gone: an open subscription (no disconnect
 * time) in a {@code ZoneInsight} whose {@code globalInstanceId} is not among the live replicas
 * ({@code instances} keys, bound to each replica's lease) is marked disconnected now. A leader job
 * of role {@code global}: it runs when the term starts and every period after, and writes through
 * the store fenced by the term, so a replica that lost the lead writes nothing.
 *
 * <p>Insights are listed before the live replicas are read: a replica registers before it opens any
 * subscription, so a subscription seen in the list has its replica in the later read unless that
 * replica is dead.
 */
final class StaleSubscriptionSweeper implements Closeable {
  static final Duration PERIOD = Duration.ofSeconds(10);
  private static final Logger log = LoggerFactory.getLogger(StaleSubscriptionSweeper.class);
  private static final int WRITE_ATTEMPTS = 5;

  private final ResourceStore store;
  private final LeasedKeys instances;
  private final Clock clock;
  private final AtomicBoolean running = new AtomicBoolean();
  private volatile ScheduledFuture<?> timer;
  private volatile boolean closed;

  /**
   * @param store where the insights are, fenced by the leader's term
   * @param instances the live replicas' keys
   * @param clock time of the recorded disconnects
   */
  StaleSubscriptionSweeper(ResourceStore store, LeasedKeys instances, Clock clock) {
    this.store = store;
    this.instances = instances;
    this.clock = clock;
  }

  /** Sweeps now and every {@code period} on {@code scheduler} until closed. */
  StaleSubscriptionSweeper start(ScheduledExecutorService scheduler, Duration period) {
    try {
      timer =
          scheduler.scheduleWithFixedDelay(
              this::sweepQuietly, 0, period.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      log.debug("stale subscription sweeper not started: shutting down");
    }
    return this;
  }

  private void sweepQuietly() {
    if (closed || !running.compareAndSet(false, true)) {
      return;
    }
    CompletableFuture<Integer> done;
    try {
      done = sweep();
    } catch (RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    done.whenComplete(
        (n, error) -> {
          running.set(false);
          if (error != null) {
            log.warn(
                "closing subscriptions of gone global replicas failed, retrying in the next"
                    + " sweep: {}",
                unwrap(error).toString());
          }
        });
  }

  /** One sweep; completes with how many subscriptions it closed. */
  CompletableFuture<Integer> sweep() {
    return store
        .list(ListQuery.all(StandardTypes.ZONE_INSIGHT))
        .thenCompose(
            page -> instances.list().thenCompose(live -> closeAll(page.items(), liveIds(live))));
  }

  private static Set<String> liveIds(Map<String, String> live) {
    return Set.copyOf(live.keySet());
  }

  private CompletableFuture<Integer> closeAll(List<Resource> insights, Set<String> live) {
    List<CompletableFuture<Integer>> writes = new ArrayList<>();
    for (Resource r : insights) {
      if (stale(r.spec(ZoneInsightSpec.class), live) > 0) {
        writes.add(close(r.name(), live, WRITE_ATTEMPTS));
      }
    }
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new))
        .thenApply(v -> writes.stream().mapToInt(CompletableFuture::join).sum());
  }

  private static int stale(ZoneInsightSpec spec, Set<String> live) {
    int n = 0;
    for (KdsSubscription s : spec.subscriptions()) {
      if (s.disconnectTime() == null && !live.contains(s.globalInstanceId())) {
        n++;
      }
    }
    return n;
  }

  /** Read-modify-write of one zone's insight, retried on a concurrent write. */
  private CompletableFuture<Integer> close(String zone, Set<String> live, int attempts) {
    return store
        .get(io.meshfed.model.ResourceKey.global(StandardTypes.ZONE_INSIGHT, zone))
        .thenCompose(
            existing -> {
              if (existing.isEmpty()) {
                return CompletableFuture.completedFuture(0);
              }
              ZoneInsightSpec old = existing.get().spec(ZoneInsightSpec.class);
              Instant now = clock.instant();
              List<KdsSubscription> subs = new ArrayList<>();
              int closedCount = 0;
              for (KdsSubscription s : old.subscriptions()) {
                if (s.disconnectTime() == null && !live.contains(s.globalInstanceId())) {
                  closedCount++;
                  subs.add(disconnected(s, now));
                } else {
                  subs.add(s);
                }
              }
              if (closedCount == 0) {
                return CompletableFuture.completedFuture(0);
              }
              int count = closedCount;
              ZoneInsightSpec spec =
                  new ZoneInsightSpec(subs, old.healthCheck(), old.envoyAdminStreams());
              return store
                  .update(existing.get().withSpec(spec), existing.get().version())
                  .handle(
                      (ok, error) -> {
                        if (error == null) {
                          log.info(
                              "zone={}: closed {} subscription(s) of global replicas that are"
                                  + " gone",
                              zone,
                              count);
                          return CompletableFuture.completedFuture(count);
                        }
                        Throwable cause = unwrap(error);
                        if (cause instanceof ConflictException && attempts > 1) {
                          return close(zone, live, attempts - 1);
                        }
                        return CompletableFuture.<Integer>failedFuture(cause);
                      })
                  .thenCompose(f -> f);
            });
  }

  static KdsSubscription disconnected(KdsSubscription s, Instant at) {
    return new KdsSubscription(
        s.id(),
        s.globalInstanceId(),
        s.zoneInstanceId(),
        s.connectTime(),
        at,
        s.status(),
        s.version(),
        s.generation(),
        s.config(),
        s.authTokenProvided());
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  @Override
  public void close() {
    closed = true;
    ScheduledFuture<?> t = timer;
    if (t != null) {
      t.cancel(false);
    }
  }
}

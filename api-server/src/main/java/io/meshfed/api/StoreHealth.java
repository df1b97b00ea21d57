package io.meshfed.api;

import io.meshfed.store.ResourceStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the store answers, known without asking it on a request: every {@code interval} the probe
 * reads the store's current revision with a deadline, and {@link #problem()} reports the last
 * outcome. {@code GET /ready} reads it in microseconds.
 *
 * <p>Confinement: probes run one at a time on the timer; {@code problem} is a volatile snapshot.
 */
final class StoreHealth implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StoreHealth.class);

  private final ResourceStore store;
  private final Duration interval;
  private final Duration deadline;
  private final Clock clock;
  private final ScheduledExecutorService timer;
  private volatile String problem;
  private ScheduledFuture<?> task;

  StoreHealth(
      ResourceStore store,
      Duration interval,
      Duration deadline,
      Clock clock,
      ScheduledExecutorService timer) {
    this.store = store;
    this.interval = interval;
    this.deadline = deadline;
    this.clock = clock;
    this.timer = timer;
  }

  /** Probes once now (so the first answer is known), then every interval. */
  synchronized StoreHealth start() {
    probe();
    task =
        timer.scheduleWithFixedDelay(
            this::probe, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** Null while the store answers, else why it is considered unreachable. */
  String problem() {
    return problem;
  }

  private void probe() {
    String found;
    try {
      CompletableFuture<Long> revision = store.currentRevision();
      revision.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
      found = null;
    } catch (TimeoutException e) {
      found = "the resource store did not answer within " + deadline;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (Exception e) {
      Throwable cause =
          e.getCause() != null && !(e instanceof CompletionException) ? e.getCause() : e;
      found = "the resource store is unreachable: " + cause.getMessage();
    }
    String before = problem;
    if (found == null && before != null) {
      log.info("resource store answers again");
    } else if (found != null && before == null) {
      log.warn("resource store unhealthy since {}: {}", clock.instant(), found);
    }
    problem = found == null ? null : found + " (checked at " + Instant.now(clock) + ")";
  }

  @Override
  public synchronized void close() {
    if (task != null) {
      task.cancel(false);
    }
  }
}

package io.meshfed.dp;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A clock and a scheduler that only move when the test says so: {@link #advance} moves the clock
 * and runs every task that became due, in order.
 */
final class ManualTime extends AbstractExecutorService implements ScheduledExecutorService {
  private Instant now = Instant.parse("2025-01-01T00:00:00Z");
  private final List<Task> tasks = new ArrayList<>();
  private long sequence;

  final Clock clock =
      new Clock() {
        @Override
        public ZoneOffset getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
          synchronized (ManualTime.this) {
            return now;
          }
        }
      };

  /** Moves time forward by {@code d}, running the tasks that fall due on the way. */
  void advance(Duration d) {
    Instant target;
    synchronized (this) {
      target = now.plus(d);
    }
    while (true) {
      Task next;
      synchronized (this) {
        next =
            tasks.stream()
                .filter(t -> !t.at.isAfter(target))
                .min(Comparator.comparing((Task t) -> t.at).thenComparingLong(t -> t.seq))
                .orElse(null);
        if (next == null) {
          now = target;
          return;
        }
        tasks.remove(next);
        now = next.at;
      }
      next.run();
    }
  }

  /** The delays, from now, of the tasks waiting to run. */
  synchronized List<Duration> pending() {
    return tasks.stream()
        .sorted(Comparator.comparing((Task t) -> t.at))
        .map(t -> Duration.between(now, t.at))
        .toList();
  }

  @Override
  public synchronized ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    Task t = new Task(now.plusNanos(unit.toNanos(delay)), sequence++, command);
    tasks.add(t);
    return t;
  }

  @Override
  public void execute(Runnable command) {
    schedule(command, 0, TimeUnit.NANOSECONDS);
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException();
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(
      Runnable command, long initialDelay, long period, TimeUnit unit) {
    throw new UnsupportedOperationException();
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(
      Runnable command, long initialDelay, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void shutdown() {}

  @Override
  public List<Runnable> shutdownNow() {
    return List.of();
  }

  @Override
  public boolean isShutdown() {
    return false;
  }

  @Override
  public boolean isTerminated() {
    return false;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return true;
  }

  private final class Task implements ScheduledFuture<Object> {
    final Instant at;
    final long seq;
    final Runnable command;
    private boolean cancelled;
    private boolean done;

    Task(Instant at, long seq, Runnable command) {
      this.at = at;
      this.seq = seq;
      this.command = command;
    }

    void run() {
      command.run();
      synchronized (ManualTime.this) {
        done = true;
      }
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(Duration.between(clock.instant(), at));
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      synchronized (ManualTime.this) {
        if (done || cancelled) {
          return false;
        }
        cancelled = true;
        return tasks.remove(this);
      }
    }

    @Override
    public boolean isCancelled() {
      synchronized (ManualTime.this) {
        return cancelled;
      }
    }

    @Override
    public boolean isDone() {
      synchronized (ManualTime.this) {
        return done || cancelled;
      }
    }

    @Override
    public Object get() {
      throw new UnsupportedOperationException("manual tasks are run by advance()");
    }

    @Override
    public Object get(long timeout, TimeUnit unit) {
      throw new UnsupportedOperationException("manual tasks are run by advance()");
    }
  }
}

package io.meshfed.store.etcd.fake;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One thread that runs what is executed at once, and keeps what is scheduled for later until the
 * test fires it: waits and timeouts take no time and happen in the order the test chooses.
 */
public final class DelayedTasks extends ScheduledThreadPoolExecutor {
  private final Queue<Runnable> delayed = new ConcurrentLinkedQueue<>();

  public DelayedTasks() {
    super(1);
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
    if (delay <= 0) {
      return super.schedule(task, delay, unit);
    }
    delayed.add(task);
    return null;
  }

  /** How many delayed tasks wait to be fired. */
  public int waiting() {
    return delayed.size();
  }

  /** Runs the oldest delayed task, then waits until everything it started has run. */
  public void fireNext() throws Exception {
    Runnable next = delayed.poll();
    assertThat(next).as("a delayed task").isNotNull();
    execute(next);
    settle();
  }

  /** Waits until the queue is empty (work queues more work: a few rounds). */
  public void settle() throws Exception {
    for (int i = 0; i < 5; i++) {
      submit(() -> {}).get(5, TimeUnit.SECONDS);
    }
  }
}

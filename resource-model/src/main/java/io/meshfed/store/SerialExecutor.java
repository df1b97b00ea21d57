package io.meshfed.store;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a shared executor. A task that throws is logged
 * and the next one runs. When the delegate rejects the drain (it was shut down), the task is
 * dropped, {@link RejectedExecutionException} is thrown, and the executor stays usable. It holds a
 * queue only while tasks wait or run, so an idle one (e.g. one per connected stream) is one small
 * object.
 */
public final class SerialExecutor implements Executor {
  private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);

  private final Executor delegate;
  // the tasks waiting while a drain is due or running; null when idle. Guarded by this.
  private ArrayDeque<Runnable> tasks;

  public SerialExecutor(Executor delegate) {
    this.delegate = delegate;
  }

  @Override
  public void execute(Runnable task) {
    synchronized (this) {
      if (tasks != null) {
        tasks.add(task);
        return;
      }
      tasks = new ArrayDeque<>(4);
      tasks.add(task);
    }
    try {
      delegate.execute(this::drain);
    } catch (RejectedExecutionException e) {
      synchronized (this) {
        tasks = null;
      }
      throw e;
    }
  }

  private void drain() {
    while (true) {
      Runnable next;
      synchronized (this) {
        next = tasks.poll();
        if (next == null) {
          tasks = null;
          return;
        }
      }
      try {
        next.run();
      } catch (RuntimeException e) {
        log.warn("serial task {} failed", next, e);
      }
    }
  }
}

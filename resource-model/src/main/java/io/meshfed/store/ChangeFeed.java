package io.meshfed.store;

import io.meshfed.model.Resource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A store's recent changes and its watchers: committed events go into a bounded history and out to
 * every watcher, each called through its own {@link SerialExecutor}. A watch that resumes from a
 * revision still in the history gets the events it missed; one from before it gets {@link
 * WatchListener#onReset} with the full state.
 *
 * <p>Confinement: the owning store's (its lock or its I/O thread); only {@link #watcher}, {@link
 * Watcher#stop} and {@link #remove} may be called from any thread.
 */
public final class ChangeFeed {
  private final int historyLimit;
  private final Executor watchExecutor;
  private final ArrayDeque<ResourceEvent> history = new ArrayDeque<>();
  private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
  private long compactedRevision;

  /**
   * @param historyLimit changes kept for watches that resume from a past revision
   * @param compactedRevision watches from before this revision are reset
   * @param watchExecutor runs watch listeners
   */
  public ChangeFeed(int historyLimit, long compactedRevision, Executor watchExecutor) {
    this.historyLimit = historyLimit;
    this.compactedRevision = compactedRevision;
    this.watchExecutor = watchExecutor;
  }

  /** Watches from before this revision are reset. */
  public long compactedRevision() {
    return compactedRevision;
  }

  /** Records one transaction's committed events in the history and hands them to the watchers. */
  public void publish(List<ResourceEvent> events) {
    List<ResourceEvent> batch = List.copyOf(events);
    history.addAll(batch);
    while (history.size() > historyLimit) {
      compactedRevision = history.removeFirst().revision();
    }
    // never keep half a transaction: drop the rest of the oldest revision too
    while (!history.isEmpty() && history.peekFirst().revision() == compactedRevision) {
      history.removeFirst();
    }
    for (Watcher w : watchers) {
      w.deliver(batch);
    }
  }

  /** A watcher for {@code listener}, not yet added; any thread. */
  public Watcher watcher(WatchListener listener) {
    return new Watcher(listener, new SerialExecutor(watchExecutor));
  }

  /**
   * Adds {@code w} after handing it what it missed since {@code fromRevision}: the events from the
   * history, or, when they are compacted, the {@code state} at {@code revision}.
   */
  public void add(
      Watcher w, long fromRevision, Supplier<List<Resource>> state, LongSupplier revision) {
    WatchListener listener = w.listener;
    if (fromRevision < compactedRevision) {
      List<Resource> all = state.get();
      long rev = revision.getAsLong();
      w.executor.execute(
          () -> {
            if (!w.closed) {
              listener.onReset(all, rev);
            }
          });
    } else {
      List<ResourceEvent> missed = new ArrayList<>();
      for (ResourceEvent e : history) {
        if (e.revision() > fromRevision) {
          missed.add(e);
        }
      }
      if (!missed.isEmpty()) {
        w.deliver(missed);
      }
    }
    watchers.add(w);
  }

  public void remove(Watcher w) {
    watchers.remove(w);
  }

  /** Tells every watcher the store closed ({@link WatchListener#onClosed} without an error). */
  public void closeAll() {
    for (Watcher w : watchers) {
      w.executor.execute(() -> w.listener.onClosed(null));
    }
    watchers.clear();
  }

  /** One watch: its listener, called in order through its own serial executor. */
  public static final class Watcher {
    private final WatchListener listener;
    private final SerialExecutor executor;
    private volatile boolean closed;

    private Watcher(WatchListener listener, SerialExecutor executor) {
      this.listener = listener;
      this.executor = executor;
    }

    /** No more calls to the listener after this (those already queued are skipped). */
    public void stop() {
      closed = true;
    }

    void deliver(List<ResourceEvent> events) {
      executor.execute(
          () -> {
            if (!closed) {
              listener.onEvents(events);
            }
          });
    }
  }
}

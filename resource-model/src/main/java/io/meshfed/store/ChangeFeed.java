package io.meshfed.store;

import io.meshfed.model.Resource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
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
 * <p>The history holds a put whose resource carries its key and the event's revision as its version
 * (every put of the memory and embedded stores) as the resource itself, not as an event: with the
 * history full, that is 32 bytes less for each of its entries. The event is made again when a watch
 * resumes.
 *
 * <p>Confinement: the owning store's (its lock or its I/O thread); only {@link #watcher}, {@link
 * Watcher#stop} and {@link #remove} may be called from any thread.
 */
public final class ChangeFeed {
  private final int historyLimit;
  private final Executor watchExecutor;
  // each entry a ResourceEvent, or the Resource of a put that needs nothing else (see above)
  private final ArrayDeque<Object> history = new ArrayDeque<>();
  private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
  private long compactedRevision;
  private int walked; // entries looked at by the last resume (tests)

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
    for (ResourceEvent e : batch) {
      history.add(compact(e));
    }
    while (history.size() > historyLimit) {
      compactedRevision = revision(history.removeFirst());
    }
    // never keep half a transaction: drop the rest of the oldest revision too
    while (!history.isEmpty() && revision(history.peekFirst()) == compactedRevision) {
      history.removeFirst();
    }
    for (Watcher w : watchers) {
      w.deliver(batch);
    }
  }

  /** What the history holds for {@code e}: its resource when the event can be made from it. */
  private static Object compact(ResourceEvent e) {
    Resource r = e.resource();
    boolean fromResource =
        e.kind() == ResourceEvent.Kind.PUT
            && r != null
            && r.version() == e.revision()
            && r.key().equals(e.key());
    return fromResource ? r : e;
  }

  private static long revision(Object held) {
    return held instanceof Resource r ? r.version() : ((ResourceEvent) held).revision();
  }

  private static ResourceEvent event(Object held) {
    return held instanceof Resource r ? ResourceEvent.put(r, r.version()) : (ResourceEvent) held;
  }

  /** How many entries of the history are held as events (the others as their resources). */
  int heldEvents() {
    int n = 0;
    for (Object held : history) {
      if (held instanceof ResourceEvent) {
        n++;
      }
    }
    return n;
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
      List<ResourceEvent> missed = missedSince(fromRevision);
      if (!missed.isEmpty()) {
        w.deliver(missed);
      }
    }
    watchers.add(w);
  }

  /**
   * The events after {@code fromRevision}, oldest first. The history is in revision order, so the
   * walk goes back from the newest entry and stops at the first one at or before {@code
   * fromRevision}: a watch from the current revision looks at one entry, not the whole history.
   */
  private List<ResourceEvent> missedSince(long fromRevision) {
    ArrayDeque<ResourceEvent> missed = new ArrayDeque<>();
    Iterator<Object> newestFirst = history.descendingIterator();
    walked = 0;
    while (newestFirst.hasNext()) {
      Object held = newestFirst.next();
      walked++;
      if (revision(held) <= fromRevision) {
        break;
      }
      missed.addFirst(event(held));
    }
    return missed.isEmpty() ? List.of() : new ArrayList<>(missed);
  }

  /** How many history entries the last {@link #add} from a revision in the history looked at. */
  int walked() {
    return walked;
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

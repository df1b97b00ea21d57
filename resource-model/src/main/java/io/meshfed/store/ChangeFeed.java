package io.meshfed.store;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * <p>A put that a later put of the same key supersedes is dropped from the history, leaving only
 * its revision behind: a watch that resumes from before both gets the later put alone, which gives
 * it the same state. Without this the history kept every version of a resource written again and
 * again, e.g. a zone's sync state of 10 000 entries once a second, up to the history's limit.
 *
 * <p>Confinement: the owning store's (its lock or its I/O thread); only {@link #watcher}, {@link
 * Watcher#stop} and {@link #remove} may be called from any thread.
 */
public final class ChangeFeed {
  private final int historyLimit;
  private final Executor watchExecutor;
  // each entry a ResourceEvent, the Resource of a put that needs nothing else (see above), or the
  // Superseded revision of a put a later put of its key replaced; oldest first
  private Object[] history = new Object[16];
  private int head; // index of the oldest entry
  private int size;
  private long appended; // entries ever appended: the next entry's sequence number
  // each key's put still in the history that no later put superseded: its sequence number
  private final Map<ResourceKey, Long> latestPuts = new HashMap<>();
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
      append(e);
    }
    while (size > historyLimit) {
      compactedRevision = revision(removeOldest());
    }
    // never keep half a transaction: drop the rest of the oldest revision too
    while (size > 0 && revision(history[head]) == compactedRevision) {
      removeOldest();
    }
    for (Watcher w : watchers) {
      w.deliver(batch);
    }
  }

  /** A put's revision, left where the put was when a later put of its key superseded it. */
  private record Superseded(long revision) {}

  private void append(ResourceEvent e) {
    if (size == history.length) {
      Object[] larger = new Object[history.length * 2];
      for (int i = 0; i < size; i++) {
        larger[i] = history[(head + i) % history.length];
      }
      history = larger;
      head = 0;
    }
    long sequence = appended++;
    history[(head + size) % history.length] = compact(e);
    size++;
    Long earlier =
        e.kind() == ResourceEvent.Kind.PUT
            ? latestPuts.put(e.key(), sequence)
            : latestPuts.remove(e.key());
    if (earlier != null && e.kind() == ResourceEvent.Kind.PUT) {
      int at = slot(earlier);
      history[at] = new Superseded(revision(history[at]));
    }
  }

  /** The index of the entry with {@code sequence}, which is still in the history. */
  private int slot(long sequence) {
    long oldest = appended - size;
    return (int) ((head + (sequence - oldest)) % history.length);
  }

  private Object removeOldest() {
    Object oldest = history[head];
    long sequence = appended - size;
    if (!(oldest instanceof Superseded)) {
      ResourceKey key = oldest instanceof Resource r ? r.key() : ((ResourceEvent) oldest).key();
      latestPuts.remove(key, sequence);
    }
    history[head] = null;
    head = (head + 1) % history.length;
    size--;
    return oldest;
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
    if (held instanceof Superseded d) {
      return d.revision();
    }
    return held instanceof Resource r ? r.version() : ((ResourceEvent) held).revision();
  }

  private static ResourceEvent event(Object held) {
    return held instanceof Resource r ? ResourceEvent.put(r, r.version()) : (ResourceEvent) held;
  }

  /** How many entries of the history are held as events (the others as their resources). */
  int heldEvents() {
    return held(ResourceEvent.class);
  }

  /** How many entries of the history are puts a later put superseded (tests). */
  int superseded() {
    return held(Superseded.class);
  }

  private int held(Class<?> kind) {
    int n = 0;
    for (int i = 0; i < size; i++) {
      if (kind.isInstance(history[(head + i) % history.length])) {
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
    walked = 0;
    for (int i = size - 1; i >= 0; i--) {
      Object held = history[(head + i) % history.length];
      walked++;
      if (revision(held) <= fromRevision) {
        break;
      }
      if (!(held instanceof Superseded)) {
        missed.addFirst(event(held));
      }
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

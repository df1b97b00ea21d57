package io.meshfed.store.ha;

import java.io.Closeable;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The coordination of a store only one process uses (memory, embedded): this process leads every
 * role from the start to its close, and leased keys are kept in memory. Nothing here can be taken
 * away by another process, so its fences always hold until closed.
 */
public final class LocalCoordination implements Coordination {
  private final String instanceId;
  private final Map<String, LocalElector> electors = new ConcurrentHashMap<>();
  private final Map<String, LocalKeys> keys = new ConcurrentHashMap<>();
  private final AtomicLong revisions = new AtomicLong();
  private volatile boolean closed;

  public LocalCoordination(String instanceId) {
    this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
  }

  @Override
  public String instanceId() {
    return instanceId;
  }

  @Override
  public LeaderElector elector(String role) {
    return electors.computeIfAbsent(role, LocalElector::new);
  }

  @Override
  public LeasedKeys keys(String namespace) {
    return keys.computeIfAbsent(namespace, n -> new LocalKeys());
  }

  @Override
  public void close() {
    closed = true;
    electors.values().forEach(LocalElector::close);
  }

  /** A claim's fence: holds while the claimed key keeps this revision and the process runs. */
  private record LocalFence(String key, long revision, LocalKeys keys, LocalCoordination owner)
      implements Fence {
    @Override
    public boolean held() {
      return !owner.closed && keys.holds(key, revision);
    }
  }

  private final class LocalElector implements LeaderElector {
    private final String role;
    private final LocalTerm term;

    LocalElector(String role) {
      this.role = role;
      this.term = new LocalTerm(role, revisions.incrementAndGet());
    }

    @Override
    public String role() {
      return role;
    }

    @Override
    public Closeable onLeadership(Consumer<Term> onGained) {
      if (!term.ended.isDone()) {
        onGained.accept(term);
      }
      return () -> {};
    }

    @Override
    public boolean isLeader() {
      return !term.ended.isDone();
    }

    @Override
    public Optional<String> leader() {
      return isLeader() ? Optional.of(instanceId) : Optional.empty();
    }

    @Override
    public long leaderChanges() {
      return 1;
    }

    @Override
    public void close() {
      term.ended.complete(null);
    }
  }

  private final class LocalTerm implements Term {
    private final String role;
    private final long revision;
    private final CompletableFuture<Void> ended = new CompletableFuture<>();

    LocalTerm(String role, long revision) {
      this.role = role;
      this.revision = revision;
    }

    @Override
    public String role() {
      return role;
    }

    @Override
    public CompletionStage<Void> lost() {
      return ended;
    }

    @Override
    public String key() {
      return "leader/" + role;
    }

    @Override
    public long revision() {
      return revision;
    }

    @Override
    public boolean held() {
      return !ended.isDone() && !closed;
    }
  }

  private final class LocalKeys implements LeasedKeys {
    private final Map<String, Entry> entries = new TreeMap<>();
    private final Map<String, List<Consumer<Optional<String>>>> watchers =
        new ConcurrentHashMap<>();

    private record Entry(String value, long revision) {}

    @Override
    public CompletableFuture<Void> put(String name, String value) {
      set(name, value);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Claim> claim(
        String name, String value, Predicate<String> mayTakeOver) {
      long revision;
      synchronized (this) {
        Entry current = entries.get(name);
        if (current != null && !mayTakeOver.test(current.value())) {
          return CompletableFuture.completedFuture(
              new Claim(name, false, current.value(), Optional.empty()));
        }
        // checked and taken under one lock: of two racing claims only one holds
        revision = store(name, value);
      }
      notify(name, Optional.of(value));
      Fence fence = new LocalFence(name, revision, this, LocalCoordination.this);
      return CompletableFuture.completedFuture(new Claim(name, true, value, Optional.of(fence)));
    }

    @Override
    public CompletableFuture<Void> release(Claim claim) {
      boolean removed;
      synchronized (this) {
        Entry current = entries.get(claim.name());
        removed =
            claim.fence().isPresent()
                && current != null
                && current.revision() == claim.fence().get().revision();
        if (removed) {
          entries.remove(claim.name());
        }
      }
      if (removed) {
        notify(claim.name(), Optional.empty());
      }
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public Fence vacancy(String name) {
      return new LocalFence(name, 0, this, LocalCoordination.this);
    }

    @Override
    public synchronized CompletableFuture<Optional<String>> read(String name) {
      return CompletableFuture.completedFuture(
          Optional.ofNullable(entries.get(name)).map(Entry::value));
    }

    @Override
    public synchronized CompletableFuture<Map<String, String>> list() {
      Map<String, String> all = new TreeMap<>();
      entries.forEach((name, entry) -> all.put(name, entry.value()));
      return CompletableFuture.completedFuture(all);
    }

    @Override
    public Closeable watch(String name, Consumer<Optional<String>> onChange) {
      List<Consumer<Optional<String>>> list =
          watchers.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>());
      Optional<String> now;
      synchronized (this) {
        list.add(onChange);
        now = Optional.ofNullable(entries.get(name)).map(Entry::value);
      }
      onChange.accept(now);
      return () -> list.remove(onChange);
    }

    private long set(String name, String value) {
      long revision = store(name, value);
      notify(name, Optional.of(value));
      return revision;
    }

    /** Whether {@code name} has {@code revision} now (revision 0: whether it is absent). */
    synchronized boolean holds(String name, long revision) {
      Entry current = entries.get(name);
      return current == null ? revision == 0 : current.revision() == revision;
    }

    private synchronized long store(String name, String value) {
      long revision = revisions.incrementAndGet();
      entries.put(name, new Entry(value, revision));
      return revision;
    }

    private void notify(String name, Optional<String> value) {
      for (Consumer<Optional<String>> watcher : watchers.getOrDefault(name, List.of())) {
        watcher.accept(value);
      }
    }
  }
}

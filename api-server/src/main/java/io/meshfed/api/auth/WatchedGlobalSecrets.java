package io.meshfed.api.auth;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourceEvent;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.WatchListener;
import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The GlobalSecrets whose names pass a filter, held in memory and fed by the store's watch: listed
 * once, then kept current by the watch's events (a relist replaces everything on {@code onReset},
 * and after the watch stopped for good). Readers ({@link #fresh()}) never touch the store.
 *
 * <p>Freshness: the store's watch cannot tell "nothing changed" from "the store hangs" (a store
 * stopped mid-stream sends nothing and breaks nothing), so every {@code probeInterval} a probe asks
 * the store for its current revision, with a deadline. The view is <em>confirmed</em> at the time a
 * probe was sent whose answer came while the watch was open (or at the time of a completed list).
 * {@link #fresh()} refuses, with a {@link StaleSecretsException}, a view that has not loaded yet or
 * was last confirmed more than {@code staleAfter} ago: whoever reads it to decide whether a token
 * is still good fails closed. Within that bound, answers come from memory even while the store is
 * down.
 *
 * <p>Confinement: {@code state} is an immutable {@link State}, replaced whole under {@code lock}
 * (watch callbacks, list and probe completions); readers read the volatile reference.
 */
public final class WatchedGlobalSecrets implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WatchedGlobalSecrets.class);

  /**
   * Timing of the view.
   *
   * @param staleAfter a view not confirmed for longer than this refuses to answer
   * @param probeInterval how often the store is asked whether it answers
   * @param callDeadline how long a probe or a list may take before it counts as failed
   * @param retryDelay wait before listing again after a failed list or a stopped watch
   */
  public record Settings(
      Duration staleAfter, Duration probeInterval, Duration callDeadline, Duration retryDelay) {
    public Settings {
      requirePositive(staleAfter, "staleAfter");
      requirePositive(probeInterval, "probeInterval");
      requirePositive(callDeadline, "callDeadline");
      requirePositive(retryDelay, "retryDelay");
      if (probeInterval.plus(callDeadline).compareTo(staleAfter) >= 0) {
        throw new IllegalArgumentException(
            "probeInterval + callDeadline ("
                + probeInterval.plus(callDeadline)
                + ") must be shorter than staleAfter ("
                + staleAfter
                + "), or a healthy store would look stale");
      }
    }

    /** Stale after 30 s; a probe every 5 s with a 3 s deadline; a retry after 2 s. */
    public static Settings defaults() {
      return new Settings(
          Duration.ofSeconds(30),
          Duration.ofSeconds(5),
          Duration.ofSeconds(3),
          Duration.ofSeconds(2));
    }

    private static void requirePositive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, got " + d);
      }
    }
  }

  /** Refused: the view cannot vouch that it matches the store. */
  public static final class StaleSecretsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StaleSecretsException(String message) {
      super(message);
    }
  }

  /**
   * What the view holds.
   *
   * @param loaded whether a list completed
   * @param listedAt the store revision of the last list; older watch events are ignored
   * @param secrets the matching GlobalSecrets by name
   * @param watching whether the store's watch is open
   * @param confirmedAt when the view was last known to match a store that answers, or null
   */
  private record State(
      boolean loaded,
      long listedAt,
      Map<String, Resource> secrets,
      boolean watching,
      Instant confirmedAt) {
    State {
      secrets = Map.copyOf(secrets);
    }

    State confirmed(Instant at) {
      Instant latest = confirmedAt == null || at.isAfter(confirmedAt) ? at : confirmedAt;
      return new State(loaded, listedAt, secrets, watching, latest);
    }
  }

  private final ResourceStore store;
  private final Predicate<String> names;
  private final String what;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final Settings settings;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile State state = new State(false, 0, Map.of(), false, null);
  private final CompletableFuture<Void> firstLoad = new CompletableFuture<>();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  // guarded by lock
  private Closeable watch;
  private ScheduledFuture<?> probes;
  private boolean probing;
  private boolean unhealthyLogged;
  private boolean closed;

  /**
   * @param names which GlobalSecrets to hold
   * @param what what they are, for messages (e.g. "the user token revocation list")
   */
  WatchedGlobalSecrets(
      ResourceStore store,
      Predicate<String> names,
      String what,
      Clock clock,
      ScheduledExecutorService scheduler,
      Settings settings) {
    this.store = Objects.requireNonNull(store, "store");
    this.names = Objects.requireNonNull(names, "names");
    this.what = Objects.requireNonNull(what, "what");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /**
   * Starts listing and watching the GlobalSecrets {@code names} accepts, and probing the store;
   * returns at once (see {@link #awaitLoaded}).
   */
  public static WatchedGlobalSecrets start(
      ResourceStore store,
      Predicate<String> names,
      String what,
      Clock clock,
      ScheduledExecutorService scheduler,
      Settings settings) {
    WatchedGlobalSecrets view =
        new WatchedGlobalSecrets(store, names, what, clock, scheduler, settings);
    view.load();
    view.lock.lock();
    try {
      view.probes =
          scheduler.scheduleWithFixedDelay(
              view::probe,
              settings.probeInterval().toNanos(),
              settings.probeInterval().toNanos(),
              TimeUnit.NANOSECONDS);
    } finally {
      view.lock.unlock();
    }
    return view;
  }

  /**
   * Waits until the first list completed.
   *
   * @throws IllegalStateException when it did not within {@code timeout}
   */
  public WatchedGlobalSecrets awaitLoaded(Duration timeout) {
    try {
      firstLoad.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return this;
    } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(
          "cannot load " + what + " (GlobalSecrets) from the store within " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while loading " + what, e);
    }
  }

  /**
   * The matching GlobalSecrets by name, as of the latest event seen.
   *
   * @throws StaleSecretsException when the view has not loaded yet or was not confirmed within
   *     {@code staleAfter}
   */
  public Map<String, Resource> fresh() {
    State s = state;
    String problem = staleness(s);
    if (problem != null) {
      throw new StaleSecretsException(problem);
    }
    return s.secrets();
  }

  /** Null while the view is fresh, else why it cannot vouch that it matches the store. */
  public String staleness() {
    return staleness(state);
  }

  private String staleness(State s) {
    if (!s.loaded()) {
      return what + " has not been loaded from the store yet (still trying)";
    }
    Instant now = clock.instant();
    if (s.confirmedAt() == null
        || Duration.between(s.confirmedAt(), now).compareTo(settings.staleAfter()) > 0) {
      return what
          + " may be out of date: the store has not answered"
          + (s.watching() ? "" : " with its watch open")
          + " since "
          + s.confirmedAt()
          + " (more than "
          + settings.staleAfter().toSeconds()
          + "s)";
    }
    return null;
  }

  /**
   * What the view holds, fresh or not: for state derived from it (rebuilt on {@link #onChange}); a
   * check that decides on a token reads {@link #fresh()} or {@link #staleness()} too.
   */
  public Map<String, Resource> held() {
    return state.secrets();
  }

  /**
   * Runs {@code listener} after every change of what the view holds (and after every list), on the
   * thread that applied it; close the handle to stop.
   */
  public Closeable onChange(Runnable listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  private void notifyListeners() {
    for (Runnable l : listeners) {
      try {
        l.run();
      } catch (RuntimeException e) {
        log.error("{}: a change listener failed", what, e);
      }
    }
  }

  /** The secret {@code name} when the view is fresh; see {@link #fresh()}. */
  public Optional<Resource> get(String name) {
    return Optional.ofNullable(fresh().get(name));
  }

  /** Lists the matching secrets, then watches from the list's revision. */
  private void load() {
    Instant asked = clock.instant();
    store
        .list(ListQuery.all(StandardTypes.GLOBAL_SECRET))
        .orTimeout(settings.callDeadline().toNanos(), TimeUnit.NANOSECONDS)
        .whenComplete((page, error) -> loaded(asked, page, error));
  }

  private void loaded(Instant asked, ResourcePage page, Throwable error) {
    if (error != null) {
      log.warn(
          "cannot list {} (GlobalSecrets) from the store, retrying in {} ms: {}",
          what,
          settings.retryDelay().toMillis(),
          describe(error));
      retryLoad();
      return;
    }
    Map<String, Resource> secrets = new HashMap<>();
    for (Resource r : page.items()) {
      if (names.test(r.name())) {
        secrets.put(r.name(), r);
      }
    }
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closeWatch();
      state = new State(true, page.revision(), secrets, true, asked);
      watch = store.watch(page.revision(), new Listener());
    } finally {
      lock.unlock();
    }
    firstLoad.complete(null);
    notifyListeners();
    log.info("{}: {} GlobalSecret(s) loaded at revision {}", what, secrets.size(), page.revision());
  }

  private void retryLoad() {
    lock.lock();
    try {
      if (!closed) {
        scheduler.schedule(this::load, settings.retryDelay().toNanos(), TimeUnit.NANOSECONDS);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Caller holds the lock. */
  private void closeWatch() {
    if (watch != null) {
      try {
        watch.close();
      } catch (IOException e) {
        log.debug("closing the watch of {} failed: {}", what, e.toString());
      }
      watch = null;
    }
  }

  /** Asks the store whether it answers; confirms the view when it does and the watch is open. */
  CompletableFuture<Void> probe() {
    lock.lock();
    try {
      if (closed || probing) {
        return CompletableFuture.completedFuture(null);
      }
      probing = true;
    } finally {
      lock.unlock();
    }
    Instant asked = clock.instant();
    return store
        .currentRevision()
        .orTimeout(settings.callDeadline().toNanos(), TimeUnit.NANOSECONDS)
        .handle(
            (revision, error) -> {
              probed(asked, error);
              return null;
            });
  }

  private void probed(Instant asked, Throwable error) {
    boolean recovered = false;
    boolean failed = false;
    lock.lock();
    try {
      probing = false;
      State s = state;
      if (error == null && s.loaded() && s.watching()) {
        state = s.confirmed(asked);
        recovered = unhealthyLogged;
        unhealthyLogged = false;
      } else if (!unhealthyLogged) {
        unhealthyLogged = true;
        failed = true;
      }
    } finally {
      lock.unlock();
    }
    if (recovered) {
      log.info("{}: the store answers again; the view is current", what);
    } else if (failed) {
      log.warn(
          "{}: cannot confirm the view ({}); token checks fail closed once it is {}s old",
          what,
          error == null ? "not loaded or not watching" : describe(error),
          settings.staleAfter().toSeconds());
    }
  }

  private static String describe(Throwable error) {
    Throwable cause =
        error instanceof java.util.concurrent.CompletionException && error.getCause() != null
            ? error.getCause()
            : error;
    return cause instanceof TimeoutException
        ? "the store did not answer in time"
        : String.valueOf(cause.getMessage());
  }

  /** Applies the store's watch to the view; calls for one watch never overlap. */
  private final class Listener implements WatchListener {
    @Override
    public void onEvents(List<ResourceEvent> events) {
      lock.lock();
      try {
        State s = state;
        Map<String, Resource> secrets = null;
        for (ResourceEvent e : events) {
          if (!e.key().type().equals(StandardTypes.GLOBAL_SECRET)
              || !names.test(e.key().name())
              || e.revision() <= s.listedAt()) {
            continue;
          }
          if (secrets == null) {
            secrets = new HashMap<>(s.secrets());
          }
          if (e.kind() == ResourceEvent.Kind.PUT) {
            secrets.put(e.key().name(), e.resource());
          } else {
            secrets.remove(e.key().name());
          }
        }
        if (secrets == null || closed) {
          return;
        }
        state = new State(s.loaded(), s.listedAt(), secrets, s.watching(), s.confirmedAt());
      } finally {
        lock.unlock();
      }
      notifyListeners();
    }

    @Override
    public void onReset(List<Resource> all, long revision) {
      Map<String, Resource> secrets = new HashMap<>();
      for (Resource r : all) {
        if (r.type().equals(StandardTypes.GLOBAL_SECRET) && names.test(r.name())) {
          secrets.put(r.name(), r);
        }
      }
      lock.lock();
      try {
        State s = state;
        if (!closed) {
          state = new State(true, revision, secrets, true, s.confirmedAt());
        }
      } finally {
        lock.unlock();
      }
      log.info("{}: the store's watch relisted at revision {}", what, revision);
      notifyListeners();
    }

    @Override
    public void onClosed(Throwable cause) {
      lock.lock();
      try {
        if (closed) {
          return;
        }
        State s = state;
        state = new State(s.loaded(), s.listedAt(), s.secrets(), false, s.confirmedAt());
      } finally {
        lock.unlock();
      }
      log.warn(
          "{}: the store's watch stopped ({}); listing again in {} ms",
          what,
          cause == null ? "store closed" : cause.toString(),
          settings.retryDelay().toMillis());
      retryLoad();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      if (probes != null) {
        probes.cancel(false);
      }
      closeWatch();
    } finally {
      lock.unlock();
    }
  }
}

package io.meshfed.store;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import java.io.Closeable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ResourceStore} decorator that fails fast while the store is known to be down, and gives
 * every call a deadline.
 *
 * <p>States: <b>closed</b> (calls pass; consecutive {@link StoreUnavailableException}s or missed
 * deadlines are counted), <b>open</b> after {@code failureThreshold} of them (calls are refused at
 * once, before anything is sent, for {@code openFor}), then <b>half-open</b> (one trial call
 * passes; its success closes the circuit, its failure opens it again). Answers of the store that
 * are not about reaching it (not found, conflict, validation) count as successes.
 *
 * <p>A call that misses its deadline fails with a {@link StoreUnavailableException}; for a write it
 * is {@linkplain StoreUnavailableException#outcomeUnknown() outcome unknown}, since the request was
 * handed to the store and may still be applied. {@link #watch} passes through (it retries by
 * itself).
 *
 * <p>Confinement: the breaker state is guarded by {@code lock}; nothing else is mutable.
 */
public final class CircuitBreakingStore implements ResourceStore {
  private static final Logger log = LoggerFactory.getLogger(CircuitBreakingStore.class);

  /** The breaker's states. */
  public enum State {
    CLOSED,
    OPEN,
    HALF_OPEN
  }

  /**
   * @param failureThreshold consecutive failures that open the circuit
   * @param openFor how long an open circuit refuses calls before a trial
   * @param callDeadline how long one call may take before it counts as failed
   */
  public record Settings(int failureThreshold, Duration openFor, Duration callDeadline) {
    public Settings {
      if (failureThreshold < 1) {
        throw new IllegalArgumentException(
            "failureThreshold must be at least 1, got " + failureThreshold);
      }
      requirePositive(openFor, "openFor");
      requirePositive(callDeadline, "callDeadline");
    }

    /** 5 failures, open for 2 s, 3 s per call. */
    public static Settings defaults() {
      return new Settings(5, Duration.ofSeconds(2), Duration.ofSeconds(3));
    }

    private static void requirePositive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, got " + d);
      }
    }
  }

  private final ResourceStore delegate;
  private final Settings settings;
  private final Clock clock;
  private final ScheduledExecutorService timer;
  private final Object lock = new Object();

  // guarded by lock
  private State state = State.CLOSED;
  private int consecutiveFailures;
  private Instant openedAt;
  private String lastFailure = "";
  private boolean trialInFlight;

  /**
   * @param timer runs the call deadlines
   */
  public CircuitBreakingStore(
      ResourceStore delegate, Settings settings, Clock clock, ScheduledExecutorService timer) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.timer = Objects.requireNonNull(timer, "timer");
  }

  /** The current state (an open circuit whose wait is over reports half-open only once tried). */
  public State state() {
    synchronized (lock) {
      return state;
    }
  }

  /** How long until an open circuit lets a trial call through; empty when not open. */
  public Optional<Duration> retryAfter() {
    synchronized (lock) {
      if (state != State.OPEN) {
        return Optional.empty();
      }
      Duration left = Duration.between(clock.instant(), openedAt.plus(settings.openFor()));
      return Optional.of(left.isNegative() ? Duration.ZERO : left);
    }
  }

  @Override
  public CompletableFuture<Resource> create(Resource resource) {
    return call("create " + resource.key(), true, () -> delegate.create(resource));
  }

  @Override
  public CompletableFuture<Resource> update(Resource resource, long expectedVersion) {
    return call("update " + resource.key(), true, () -> delegate.update(resource, expectedVersion));
  }

  @Override
  public CompletableFuture<Put> put(
      Resource resource, long expectedVersion, Consumer<Resource> checkExisting) {
    return call(
        "put " + resource.key(),
        true,
        () -> delegate.put(resource, expectedVersion, checkExisting));
  }

  @Override
  public CompletableFuture<Void> delete(ResourceKey key, long expectedVersion) {
    return call("delete " + key, true, () -> delegate.delete(key, expectedVersion));
  }

  @Override
  public CompletableFuture<Void> delete(
      ResourceKey key, long expectedVersion, Consumer<Resource> checkExisting) {
    return call("delete " + key, true, () -> delegate.delete(key, expectedVersion, checkExisting));
  }

  @Override
  public CompletableFuture<Optional<Resource>> get(ResourceKey key) {
    return call("get " + key, false, () -> delegate.get(key));
  }

  @Override
  public CompletableFuture<ResourcePage> list(ListQuery query) {
    return call("list " + query.type(), false, () -> delegate.list(query));
  }

  @Override
  public Closeable watch(long fromRevision, WatchListener listener) {
    return delegate.watch(fromRevision, listener);
  }

  @Override
  public CompletableFuture<Long> currentRevision() {
    return call("read the current revision", false, delegate::currentRevision);
  }

  @Override
  public void close() {
    delegate.close();
  }

  /**
   * The delegate's fenced view behind this same circuit: its calls count toward, and are refused
   * by, this breaker (a refused fenced write is an answer, not a failure). Itself when the
   * delegate's view is the delegate.
   */
  @Override
  public ResourceStore fenced(io.meshfed.store.ha.Fence fence) {
    ResourceStore view = delegate.fenced(fence);
    return view == delegate ? this : new FencedView(view);
  }

  private final class FencedView implements ResourceStore {
    private final ResourceStore view;

    FencedView(ResourceStore view) {
      this.view = view;
    }

    @Override
    public CompletableFuture<Resource> create(Resource resource) {
      return call("create " + resource.key(), true, () -> view.create(resource));
    }

    @Override
    public CompletableFuture<Resource> update(Resource resource, long expectedVersion) {
      return call("update " + resource.key(), true, () -> view.update(resource, expectedVersion));
    }

    @Override
    public CompletableFuture<Put> put(
        Resource resource, long expectedVersion, Consumer<Resource> checkExisting) {
      return call(
          "put " + resource.key(), true, () -> view.put(resource, expectedVersion, checkExisting));
    }

    @Override
    public CompletableFuture<Void> delete(ResourceKey key, long expectedVersion) {
      return call("delete " + key, true, () -> view.delete(key, expectedVersion));
    }

    @Override
    public CompletableFuture<Void> delete(
        ResourceKey key, long expectedVersion, Consumer<Resource> checkExisting) {
      return call("delete " + key, true, () -> view.delete(key, expectedVersion, checkExisting));
    }

    @Override
    public CompletableFuture<Optional<Resource>> get(ResourceKey key) {
      return CircuitBreakingStore.this.get(key);
    }

    @Override
    public CompletableFuture<ResourcePage> list(ListQuery query) {
      return CircuitBreakingStore.this.list(query);
    }

    @Override
    public Closeable watch(long fromRevision, WatchListener listener) {
      return view.watch(fromRevision, listener);
    }

    @Override
    public CompletableFuture<Long> currentRevision() {
      return CircuitBreakingStore.this.currentRevision();
    }

    @Override
    public ResourceStore fenced(io.meshfed.store.ha.Fence other) {
      return CircuitBreakingStore.this.fenced(other);
    }

    @Override
    public void close() {
      view.close();
    }
  }

  private <T> CompletableFuture<T> call(
      String what, boolean write, Supplier<CompletableFuture<T>> operation) {
    String refusal = admit();
    if (refusal != null) {
      return CompletableFuture.failedFuture(
          new StoreUnavailableException("cannot " + what + ": " + refusal));
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    // The first outcome wins; it is recorded before the caller sees it, so a caller that saw a
    // failure sees the breaker count it.
    AtomicBoolean settled = new AtomicBoolean();
    CompletableFuture<T> started;
    try {
      started = operation.get();
    } catch (RuntimeException e) {
      started = CompletableFuture.failedFuture(e);
    }
    ScheduledFuture<?> deadline = null;
    // A store in this process (memory) often answers at once: no deadline to schedule and cancel.
    try {
      deadline =
          started.isDone()
              ? null
              : timer.schedule(
                  () -> {
                    String message =
                        "cannot "
                            + what
                            + ": the store did not answer within "
                            + settings.callDeadline();
                    StoreUnavailableException timeout =
                        write
                            ? StoreUnavailableException.outcomeUnknown(message, null)
                            : new StoreUnavailableException(message);
                    if (settled.compareAndSet(false, true)) {
                      recordFailure(message);
                      result.completeExceptionally(timeout);
                    }
                  },
                  settings.callDeadline().toNanos(),
                  TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      deadline = null; // the timer is shut down: the process is stopping
    }
    ScheduledFuture<?> timeout = deadline;
    started.whenComplete(
        (value, error) -> {
          if (timeout != null) {
            timeout.cancel(false);
          }
          if (!settled.compareAndSet(false, true)) {
            return;
          }
          if (error == null) {
            recordSuccess();
            result.complete(value);
            return;
          }
          Throwable cause = unwrap(error);
          if (cause instanceof StoreUnavailableException) {
            recordFailure(cause.getMessage());
          } else {
            recordSuccess();
          }
          result.completeExceptionally(cause);
        });
    return result;
  }

  /** Null when the call may go, else why it is refused. */
  private String admit() {
    synchronized (lock) {
      switch (state) {
        case CLOSED:
          return null;
        case OPEN:
          Instant retryAt = openedAt.plus(settings.openFor());
          if (clock.instant().isBefore(retryAt)) {
            return "the store is unreachable ("
                + consecutiveFailures
                + " consecutive failures, the last: "
                + lastFailure
                + "); calls are refused until "
                + retryAt;
          }
          state = State.HALF_OPEN;
          trialInFlight = true;
          log.info("store circuit half-open: trying one call");
          return null;
        case HALF_OPEN:
        default:
          if (trialInFlight) {
            return "the store is unreachable (last failure: "
                + lastFailure
                + "); a trial call is in flight";
          }
          trialInFlight = true;
          return null;
      }
    }
  }

  private void recordSuccess() {
    synchronized (lock) {
      if (state != State.CLOSED) {
        log.info("store circuit closed: the store answers again");
      }
      state = State.CLOSED;
      consecutiveFailures = 0;
      trialInFlight = false;
    }
  }

  private void recordFailure(String message) {
    synchronized (lock) {
      consecutiveFailures++;
      lastFailure = message;
      if (state == State.HALF_OPEN
          || (state == State.CLOSED && consecutiveFailures >= settings.failureThreshold())) {
        if (state == State.CLOSED) {
          log.warn(
              "store circuit open after {} consecutive failures (last: {}); refusing calls for {}",
              consecutiveFailures,
              message,
              settings.openFor());
        }
        state = State.OPEN;
        openedAt = clock.instant();
        trialInFlight = false;
      }
    }
  }

  private static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}

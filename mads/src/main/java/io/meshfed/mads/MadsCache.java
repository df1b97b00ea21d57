package io.meshfed.mads;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The current snapshot and the long polls waiting for a newer one (Kuma's {@code blockingFetch}): a
 * fetch whose {@code version_info} differs from the current version is answered at once; one that
 * knows the current version waits until a snapshot with another version is published, or gets empty
 * (304 Not Modified) when its timeout elapses on the injected scheduler. No thread waits.
 *
 * <p>Confinement: the snapshot and the waiters live under {@code lock}; futures are completed
 * outside it.
 */
final class MadsCache {
  private final ScheduledExecutorService scheduler;
  private final Object lock = new Object();
  private MadsSnapshot current; // guarded by lock; null until the first publish
  private final List<Waiter> waiters = new ArrayList<>(); // guarded by lock

  private record Waiter(String knownVersion, CompletableFuture<Optional<MadsSnapshot>> answer) {}

  MadsCache(ScheduledExecutorService scheduler) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
  }

  /** The current snapshot, or empty before the first one. */
  Optional<MadsSnapshot> current() {
    synchronized (lock) {
      return Optional.ofNullable(current);
    }
  }

  /**
   * The snapshot for a client that knows {@code knownVersion} ("" for none): now when it differs
   * from the current one, later when a new version is published, or empty (not modified) when
   * {@code timeout} elapses first; a zero or negative {@code timeout} never waits.
   */
  CompletableFuture<Optional<MadsSnapshot>> fetch(String knownVersion, Duration timeout) {
    CompletableFuture<Optional<MadsSnapshot>> answer = new CompletableFuture<>();
    synchronized (lock) {
      if (current != null && !current.version().equals(knownVersion)) {
        return CompletableFuture.completedFuture(Optional.of(current));
      }
      if (timeout.isZero() || timeout.isNegative()) {
        return CompletableFuture.completedFuture(Optional.empty());
      }
      Waiter w = new Waiter(knownVersion, answer);
      waiters.add(w);
      ScheduledFuture<?> expiry =
          scheduler.schedule(
              () -> {
                synchronized (lock) {
                  waiters.remove(w);
                }
                answer.complete(Optional.empty());
              },
              timeout.toNanos(),
              TimeUnit.NANOSECONDS);
      answer.whenComplete((r, e) -> expiry.cancel(false));
    }
    return answer;
  }

  /** Publishes {@code snapshot}; answers every waiter that does not know its version. */
  void publish(MadsSnapshot snapshot) {
    List<Waiter> done = new ArrayList<>();
    synchronized (lock) {
      current = snapshot;
      waiters.removeIf(
          w -> {
            if (!w.knownVersion().equals(snapshot.version())) {
              done.add(w);
              return true;
            }
            return false;
          });
    }
    for (Waiter w : done) {
      w.answer().complete(Optional.of(snapshot));
    }
  }

  /** Long polls waiting now. */
  int waiting() {
    synchronized (lock) {
      return waiters.size();
    }
  }

  /** Answers every waiter with "not modified" (the server stops). */
  void release() {
    List<Waiter> all;
    synchronized (lock) {
      all = List.copyOf(waiters);
      waiters.clear();
    }
    all.forEach(w -> w.answer().complete(Optional.empty()));
  }
}

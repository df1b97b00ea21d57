package io.meshfed.kds;

import java.time.Duration;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * Exponential reconnect back-off with jitter: the n-th delay is drawn uniformly from {@code [d/2,
 * d]} where {@code d = min(cap, base * 2^n)}. {@link #succeeded(Duration)} resets it after a
 * healthy run (a connection that lasted at least {@code healthyRun}). Not thread-safe: one owner
 * (the reconnect loop).
 */
public final class Backoff {
  private final Duration base;
  private final Duration cap;
  private final Duration healthyRun;
  private final DoubleSupplier random;
  private int attempt;

  /**
   * @param base the first delay (before jitter)
   * @param cap the longest delay
   * @param healthyRun a run at least this long resets the back-off
   * @param random uniform values in [0, 1) (inject a fixed supplier in tests)
   */
  public Backoff(Duration base, Duration cap, Duration healthyRun, DoubleSupplier random) {
    this.base = Objects.requireNonNull(base, "base");
    this.cap = Objects.requireNonNull(cap, "cap");
    this.healthyRun = Objects.requireNonNull(healthyRun, "healthyRun");
    this.random = Objects.requireNonNull(random, "random");
    if (base.isNegative() || base.isZero()) {
      throw new IllegalArgumentException("base must be positive (got " + base + ")");
    }
    if (cap.compareTo(base) < 0) {
      throw new IllegalArgumentException("cap (" + cap + ") must be >= base (" + base + ")");
    }
  }

  /** Kuma's resilient-component defaults: 5s base, 1m cap, reset after a 1m healthy run. */
  public static Backoff defaults() {
    return new Backoff(
        Duration.ofSeconds(5),
        Duration.ofMinutes(1),
        Duration.ofMinutes(1),
        () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble());
  }

  /** The delay before the next attempt; each call doubles the ceiling up to the cap. */
  public Duration next() {
    long ceiling = ceilingNanos(attempt);
    if (attempt < 62) {
      attempt++;
    }
    double r = Math.min(Math.max(random.getAsDouble(), 0.0), 1.0);
    long half = ceiling / 2;
    return Duration.ofNanos(half + (long) ((ceiling - half) * r));
  }

  private long ceilingNanos(int n) {
    long capNanos = cap.toNanos();
    long d = base.toNanos();
    for (int i = 0; i < n && d < capNanos; i++) {
      d = d > capNanos / 2 ? capNanos : d * 2;
    }
    return Math.min(d, capNanos);
  }

  /** A connection ended after {@code ranFor}; resets when that was a healthy run. */
  public void succeeded(Duration ranFor) {
    if (ranFor.compareTo(healthyRun) >= 0) {
      reset();
    }
  }

  public void reset() {
    attempt = 0;
  }

  /** How many delays were handed out since the last reset. */
  public int attempts() {
    return attempt;
  }
}

package io.meshfed.kds;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Application-level liveness of one stream: every interval it runs {@code onTick} (the requesting
 * side sends a heartbeat there) and, when nothing arrived for the timeout, calls {@code onTimeout}
 * with how long the peer was silent. Touched by every inbound message. Only used from the stream's
 * serial executor, except that the timer hands its checks to that executor.
 */
final class Liveness {
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final Executor serial;
  private final Duration interval;
  private final Duration timeout;
  private final Runnable onTick;
  private final BooleanSupplier paused;
  private final Consumer<Duration> onTimeout;
  private Instant lastSeen;
  private ScheduledFuture<?> timer;
  private boolean stopped;

  Liveness(
      Clock clock,
      ScheduledExecutorService scheduler,
      Executor serial,
      KdsSettings settings,
      Runnable onTick,
      BooleanSupplier paused,
      Consumer<Duration> onTimeout) {
    this.clock = clock;
    this.scheduler = scheduler;
    this.serial = serial;
    this.interval = settings.heartbeatInterval();
    this.timeout = settings.heartbeatTimeout();
    this.onTick = onTick;
    this.paused = paused;
    this.onTimeout = onTimeout;
  }

  void start() {
    lastSeen = clock.instant();
    long nanos = interval.toNanos();
    timer =
        scheduler.scheduleAtFixedRate(
            () -> serial.execute(this::check), nanos, nanos, TimeUnit.NANOSECONDS);
  }

  /** Something arrived from the peer (or this side finished long work on its behalf). */
  void touch() {
    lastSeen = clock.instant();
  }

  void stop() {
    stopped = true;
    if (timer != null) {
      timer.cancel(false);
    }
  }

  Duration timeout() {
    return timeout;
  }

  private void check() {
    if (stopped) {
      return;
    }
    if (paused.getAsBoolean()) {
      lastSeen = clock.instant();
    }
    Duration silent = Duration.between(lastSeen, clock.instant());
    if (silent.compareTo(timeout) >= 0) {
      onTimeout.accept(silent);
      return;
    }
    onTick.run();
  }

  /**
   * The status a stream closes with when {@code peerRole} ("serving" or "requesting") has been
   * silent for {@code silentFor}.
   */
  io.grpc.Status silence(String peerRole, KdsStreamInfo stream, Duration silentFor) {
    return io.grpc.Status.UNAVAILABLE.withDescription(
        "no heartbeat from the "
            + peerRole
            + " peer on "
            + stream.direction().rpc()
            + " (zone "
            + stream.peer()
            + ") for "
            + silentFor.toSeconds()
            + "s (timeout "
            + timeout().toSeconds()
            + "s)");
  }
}

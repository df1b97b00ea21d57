package io.meshfed.kds;

import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every KDS stream needs besides its source or sink: the envelope codec, the settings, time,
 * the scheduler for heartbeats, back-offs and coalescing, the executor that runs each stream's
 * serial work, and the listener.
 *
 * @param envelope encodes and decodes resources
 * @param settings budgets, back-offs and heartbeats
 * @param clock the time source (inject a fake one in tests)
 * @param scheduler runs timers; timer tasks only hand work to a stream's serial executor
 * @param executor shared pool on which each stream runs its own serial executor
 * @param listener observes every stream
 */
public record KdsRuntime(
    KdsEnvelope envelope,
    KdsSettings settings,
    Clock clock,
    ScheduledExecutorService scheduler,
    Executor executor,
    KdsStreamListener listener) {

  public KdsRuntime {
    Objects.requireNonNull(envelope, "envelope");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(scheduler, "scheduler");
    Objects.requireNonNull(executor, "executor");
    listener = listener == null ? KdsStreamListener.NOOP : listener;
  }

  public KdsRuntime withSettings(KdsSettings newSettings) {
    return new KdsRuntime(envelope, newSettings, clock, scheduler, executor, listener);
  }

  public KdsRuntime withListener(KdsStreamListener newListener) {
    return new KdsRuntime(envelope, settings, clock, scheduler, executor, newListener);
  }
}

package io.meshfed.dp;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one Envoy process running: when it exits without being asked to, it is started again after
 * a back-off that starts at {@link #FIRST_DELAY}, doubles up to {@link #MAX_DELAY}, and starts over
 * once an Envoy has stayed up for {@link #STABLE_UPTIME}. {@link #stop()} ends the supervision:
 * SIGTERM, then SIGKILL after a grace period.
 *
 * <p>State is guarded by one lock: exit callbacks arrive on the JDK's process reaper thread,
 * restarts run on the injected scheduler and {@code stop} on the caller's thread.
 */
final class EnvoySupervisor {
  static final Duration FIRST_DELAY = Duration.ofSeconds(1);
  static final Duration MAX_DELAY = Duration.ofSeconds(30);
  static final Duration STABLE_UPTIME = Duration.ofMinutes(1);

  private static final Logger log = LoggerFactory.getLogger(EnvoySupervisor.class);

  private final String proxy;
  private final List<String> command;
  private final ChildProcess.Factory processes;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final Duration stopGrace;
  private final BeforeRestart beforeRestart;

  private final ReentrantLock lock = new ReentrantLock();
  private ChildProcess current;
  private Instant startedAt;
  private Duration nextDelay = FIRST_DELAY;
  private ScheduledFuture<?> pendingRestart;
  private boolean stopping;
  private int restarts;

  /** What runs before each restart, with the supervisor's lock held; a failure delays the start. */
  @FunctionalInterface
  interface BeforeRestart {
    void run() throws IOException;
  }

  /**
   * @param proxy how logs name the proxy, e.g. {@code Dataplane 'default/web-1'}
   * @param command the Envoy command line
   * @param stopGrace how long {@link #stop()} waits after SIGTERM before SIGKILL
   * @param beforeRestart runs before each restart (not before the first start), e.g. to rewrite the
   *     bootstrap the command names
   */
  EnvoySupervisor(
      String proxy,
      List<String> command,
      ChildProcess.Factory processes,
      Clock clock,
      ScheduledExecutorService scheduler,
      Duration stopGrace,
      BeforeRestart beforeRestart) {
    this.beforeRestart = beforeRestart;
    this.proxy = proxy;
    this.command = List.copyOf(command);
    this.processes = processes;
    this.clock = clock;
    this.scheduler = scheduler;
    this.stopGrace = stopGrace;
  }

  /** Starts the first Envoy; a failure here is reported, not retried. */
  void start() throws LaunchException {
    lock.lock();
    try {
      if (current != null || stopping) {
        throw new IllegalStateException(proxy + ": the supervisor was already started");
      }
      launch();
    } catch (IOException e) {
      throw new LaunchException(
          "cannot start Envoy ("
              + command.get(0)
              + "): "
              + e.getMessage()
              + " (expected an Envoy binary; set --envoy-binary)",
          e);
    } finally {
      lock.unlock();
    }
  }

  /** The pid of the running Envoy, if one is running. */
  Optional<Long> pid() {
    lock.lock();
    try {
      return Optional.ofNullable(current).map(ChildProcess::pid);
    } finally {
      lock.unlock();
    }
  }

  /** How many times Envoy was restarted. */
  int restarts() {
    lock.lock();
    try {
      return restarts;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops supervising and stops Envoy: SIGTERM, SIGKILL when it is still running after the grace
   * period. Returns when Envoy has exited (or did not die even from SIGKILL within the grace).
   */
  void stop() throws InterruptedException {
    ChildProcess child;
    lock.lock();
    try {
      stopping = true;
      if (pendingRestart != null) {
        pendingRestart.cancel(false);
        pendingRestart = null;
      }
      child = current;
    } finally {
      lock.unlock();
    }
    if (child == null) {
      return;
    }
    log.info("{}: stopping Envoy (pid {})", proxy, child.pid());
    child.terminate();
    if (awaitExit(child)) {
      return;
    }
    log.warn(
        "{}: Envoy (pid {}) still running {} after SIGTERM; killing it",
        proxy,
        child.pid(),
        human(stopGrace));
    child.kill();
    if (!awaitExit(child)) {
      log.error("{}: Envoy (pid {}) did not exit even after SIGKILL", proxy, child.pid());
    }
  }

  private boolean awaitExit(ChildProcess child) throws InterruptedException {
    try {
      child.onExit().get(stopGrace.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return true;
    }
  }

  /** Starts one Envoy; called with the lock held. */
  private void launch() throws IOException {
    ChildProcess child = processes.start(command);
    current = child;
    startedAt = clock.instant();
    log.info("{}: Envoy started (pid {})", proxy, child.pid());
    child.onExit().whenComplete((code, error) -> exited(child, code == null ? -1 : code));
  }

  private void exited(ChildProcess child, int code) {
    lock.lock();
    try {
      if (child != current) {
        return;
      }
      current = null;
      if (stopping) {
        log.info("{}: Envoy (pid {}) stopped with exit code {}", proxy, child.pid(), code);
        return;
      }
      Duration uptime = Duration.between(startedAt, clock.instant());
      if (uptime.compareTo(STABLE_UPTIME) >= 0) {
        nextDelay = FIRST_DELAY;
      }
      scheduleRestart(
          "Envoy (pid " + child.pid() + ") exited with code " + code + " after " + human(uptime));
    } finally {
      lock.unlock();
    }
  }

  /** Schedules the next start after the current back-off; called with the lock held. */
  private void scheduleRestart(String reason) {
    Duration delay = nextDelay;
    nextDelay = delay.multipliedBy(2).compareTo(MAX_DELAY) > 0 ? MAX_DELAY : delay.multipliedBy(2);
    restarts++;
    log.warn("{}: {}; restart #{} in {}", proxy, reason, restarts, human(delay));
    pendingRestart = scheduler.schedule(this::restart, delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void restart() {
    lock.lock();
    try {
      pendingRestart = null;
      if (stopping) {
        return;
      }
      beforeRestart.run();
      launch();
    } catch (IOException e) {
      scheduleRestart("cannot start Envoy (" + command.get(0) + "): " + e.getMessage());
    } finally {
      lock.unlock();
    }
  }

  /** {@code 1s}, {@code 1m30s}, {@code 0.05s}. */
  static String human(Duration d) {
    return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
  }
}

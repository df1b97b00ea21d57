package io.meshfed.cli;

import io.meshfed.api.EarlyApi;
import io.meshfed.api.settings.SettingsException;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.StoreException;
import io.meshfed.store.embedded.DataDirLock;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code global run} and {@code zone run} share: configuration errors, the data directory
 * lock, start, and a stop on SIGTERM or Ctrl-C that exits 0 when it was clean. It makes no logger
 * before a stop: reading the configuration and locking the data directory run while another thread
 * starts the logging ({@code ApiPreparation}).
 */
final class ControlPlaneRunner {
  /** The exit status of a configuration that cannot be used. */
  static final int BAD_CONFIGURATION = 2;

  /** The exit status of a stop (SIGTERM, Ctrl-C) that failed or did not end in time. */
  static final int STOP_FAILED = 3;

  /** The file a control plane locks in its data directory, whatever its store. */
  static final String LOCK_FILE = "meshfed.lock";

  /** How long a stop may take before the process gives up and exits {@link #STOP_FAILED}. */
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

  private ControlPlaneRunner() {}

  /**
   * Locks {@code dataDir} for this process, whatever the store: the directory holds keys (the
   * zone's CA, the secrets key, the KDS CA) that two processes must not share unknowingly. The
   * operating system releases the lock when the process ends, however it ends.
   */
  static DataDirLock lockDataDir(String role, Path dataDir) {
    try {
      return DataDirLock.acquire(dataDir, LOCK_FILE);
    } catch (StoreException e) {
      throw new CliException("cannot start the " + role + " control plane: " + e.getMessage());
    }
  }

  /** The resolved configuration, or null after printing every problem. */
  static <C> C load(Supplier<C> resolve) {
    try {
      return resolve.get();
    } catch (SettingsException e) {
      System.err.println("Error: invalid configuration:");
      e.problems().forEach(p -> System.err.println("  - " + p));
      return null;
    }
  }

  /**
   * Opens the API before anything else of the start ({@code listen}: an {@link EarlyApi} that
   * answers {@code GET /} and 503 to the rest), explaining failures as {@link #serve} does.
   */
  static EarlyApi listen(String role, Supplier<EarlyApi> listen) {
    try {
      return listen.get();
    } catch (UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
      // a port in use, unusable API certificate files
      throw startFailure(role, e);
    }
  }

  /**
   * Opens the store, then what needs it ({@code build}: the coordination, the control plane), while
   * {@code api} answers; when either fails, closes {@code api} (its port is free again) and throws
   * the failure explained as {@link #openStore} does.
   */
  static <T> T withStore(
      String role, EarlyApi api, Supplier<ResourceStore> open, Function<ResourceStore, T> build) {
    try {
      return build.apply(openStore(role, open));
    } catch (RuntimeException e) {
      api.close();
      throw e;
    }
  }

  /**
   * Opens the store, explaining failures: an unreachable store, or secrets that the configured
   * secrets key cannot decrypt (the message names the key they need).
   */
  static ResourceStore openStore(String role, Supplier<ResourceStore> open) {
    try {
      return open.get();
    } catch (IllegalArgumentException
        | IllegalStateException
        | StoreException
        | UncheckedIOException e) {
      throw new CliException("cannot start the " + role + " control plane: " + e.getMessage());
    }
  }

  /**
   * Starts {@code controlPlane}, explaining start failures, then serves until the process is asked
   * to stop (SIGTERM, Ctrl-C). The stop closes the control plane (which closes its store) and then
   * releases {@code dataDirLock}; the process exits 0 when that went cleanly, {@link #STOP_FAILED}
   * when closing threw or took longer than {@link #STOP_TIMEOUT}, never the JVM's 143.
   */
  static int serve(String role, AutoCloseable controlPlane, Runnable start, DataDirLock dataDirLock)
      throws InterruptedException {
    try {
      start.run();
    } catch (UncheckedIOException
        | IllegalArgumentException
        | IllegalStateException
        | StoreException e) {
      // a port in use, unusable certificate or CA files, or a store that cannot be reached
      closeQuietly(controlPlane);
      throw startFailure(role, e);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  int status = stop(role, controlPlane, dataDirLock, STOP_TIMEOUT);
                  stopped.countDown();
                  // exit with the stop's outcome instead of 128+signal; halt, because exit()
                  // blocks inside a shutdown hook
                  Runtime.getRuntime().halt(status);
                },
                "meshfed-shutdown"));
    stopped.await();
    return 0;
  }

  /** The error that tells why {@code role} did not start ({@code e} from its start). */
  private static CliException startFailure(String role, RuntimeException e) {
    if (e instanceof UncheckedIOException && e.getCause() instanceof BindException) {
      return new CliException(
          "cannot listen: "
              + e.getMessage()
              + "; is another control plane running? Choose other ports (--api-port,"
              + " --kds-port, --xds-port).");
    }
    return new CliException("cannot start the " + role + " control plane: " + e.getMessage());
  }

  /**
   * Closes {@code controlPlane}, then {@code dataDirLock}; 0 when both closed, else {@link
   * #STOP_FAILED} (also when closing takes longer than {@code timeout}).
   */
  static int stop(
      String role, AutoCloseable controlPlane, AutoCloseable dataDirLock, Duration timeout) {
    Logger log = LoggerFactory.getLogger(ControlPlaneRunner.class);
    log.info("{} control plane: stopping (signal received)", role);
    AtomicInteger status = new AtomicInteger(STOP_FAILED);
    Thread closer =
        new Thread(
            () -> {
              boolean clean = closeQuietly(controlPlane);
              clean &= closeQuietly(dataDirLock);
              status.set(clean ? 0 : STOP_FAILED);
            },
            "meshfed-stop");
    closer.start();
    try {
      closer.join(timeout.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (closer.isAlive()) {
      log.error(
          "{} control plane: the stop did not end within {} ms; exiting {}",
          role,
          timeout.toMillis(),
          STOP_FAILED);
      return STOP_FAILED;
    }
    if (status.get() != 0) {
      log.error("{} control plane: the stop failed; exiting {}", role, STOP_FAILED);
    }
    return status.get();
  }

  /** Closes {@code c}; false (after printing why) when it threw. */
  private static boolean closeQuietly(AutoCloseable c) {
    try {
      c.close();
      return true;
    } catch (Exception e) {
      System.err.println("while stopping: " + e);
      return false;
    }
  }
}

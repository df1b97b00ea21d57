package io.meshfed.cli;

import io.meshfed.api.settings.SettingsException;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.StoreException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

/** What {@code global run} and {@code zone run} share: configuration errors, start, stop. */
final class ControlPlaneRunner {
  /** The exit status of a configuration that cannot be used. */
  static final int BAD_CONFIGURATION = 2;

  private ControlPlaneRunner() {}

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
   * to stop (SIGTERM, Ctrl-C), when it closes the control plane.
   */
  static int serve(String role, AutoCloseable controlPlane, Runnable start)
      throws InterruptedException {
    try {
      start.run();
    } catch (UncheckedIOException e) {
      closeQuietly(controlPlane);
      if (e.getCause() instanceof BindException) {
        throw new CliException(
            "cannot listen: "
                + e.getMessage()
                + "; is another control plane running? Choose other ports (--api-port,"
                + " --kds-port, --xds-port).");
      }
      throw new CliException("cannot start the " + role + " control plane: " + e.getMessage());
    } catch (IllegalArgumentException | IllegalStateException | StoreException e) {
      // unusable certificate or CA files, or a store that cannot be reached
      closeQuietly(controlPlane);
      throw new CliException("cannot start the " + role + " control plane: " + e.getMessage());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  closeQuietly(controlPlane);
                  stopped.countDown();
                },
                "meshfed-shutdown"));
    stopped.await();
    return 0;
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      System.err.println("while stopping: " + e);
    }
  }
}

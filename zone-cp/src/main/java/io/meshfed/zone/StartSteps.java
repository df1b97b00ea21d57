package io.meshfed.zone;

import io.meshfed.zone.kds.GlobalCallChannel;
import io.meshfed.zone.kds.KdsClientOptions;
import io.meshfed.zone.kds.KdsTarget;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/** Steps of a zone start run beside the main thread (on the control plane's own executor). */
final class StartSteps {
  private StartSteps() {}

  /** The zone's KDS call channel to global ({@code targets}), opened (its TLS context built). */
  static GlobalCallChannel callChannel(
      ZoneConfig config,
      List<KdsTarget> targets,
      String instanceId,
      KdsClientOptions kdsOptions,
      Executor executor) {
    return new GlobalCallChannel(
            config.zone(),
            targets,
            config.zoneTokenFile(),
            ZoneControlPlane.version(),
            instanceId,
            ZoneControlPlane.kumaConfigJson(config),
            kdsOptions,
            executor)
        .open();
  }

  /**
   * The result of {@code step}, waiting for it; fails with the step's own exception, as the step
   * would have failed on the starting thread.
   */
  static <T> T join(CompletableFuture<T> step, String what) {
    try {
      return step.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw new IllegalStateException(what + " failed: " + e.getCause(), e.getCause());
    }
  }

  /** Closes what {@code step} makes once it is made, when the start failed before taking it. */
  static <T extends AutoCloseable> void closeWhenMade(CompletableFuture<T> step) {
    step.thenAccept(
        made -> {
          try {
            made.close();
          } catch (Exception e) {
            // the start already failed: that failure is the one reported
          }
        });
  }
}

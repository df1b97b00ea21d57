package io.meshfed.zone;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.mads.MadsServer;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.crypto.SealedFiles;
import io.meshfed.zone.ca.ZoneCaSigner;
import io.meshfed.zone.ca.ZoneCertificateAuthority;
import io.meshfed.zone.kds.GlobalCallChannel;
import io.meshfed.zone.kds.KdsClientOptions;
import io.meshfed.zone.kds.KdsTarget;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Steps of a zone start run beside the main thread (on the control plane's own executor), and what
 * they share with the control plane.
 */
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
            kumaConfigJson(config),
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

  /**
   * This zone's configuration as sent to global for its zone insight, in Kuma's {@code config}
   * shape: {@code {"store":{"type":"memory|embedded|etcd"}}} (kumactl's {@code inspect zones} shows
   * the store type).
   */
  static String kumaConfigJson(ZoneConfig config) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.putObject("store").put("type", config.store().name().toLowerCase(Locale.ROOT));
    return root.toString();
  }

  /** Shuts {@code executor} down, waiting up to 5 s for its tasks, then interrupting them. */
  static void shutdownAndWait(ExecutorService executor) {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /** The zone's CA over its files in the data directory, sealed with the secrets key. */
  static ZoneCertificateAuthority certificateAuthority(
      ZoneConfig config, ZoneCaSigner signer, Clock clock, Executor executor) {
    return new ZoneCertificateAuthority(
        config.zone(),
        signer,
        config.dataDir().resolve("ca"),
        new SealedFiles(
            config.secretsKeys().keyringWritingDefault(new SecureRandom()), new SecureRandom()),
        clock,
        executor);
  }

  /** The zone's MADS server, started; null when its port is taken (logged). */
  static MadsServer mads(ZoneConfig config, ResourceStore store, MeterRegistry meters) {
    return MadsServer.builder()
        .who("zone=" + config.zone())
        .store(store)
        .localZone(config.zone())
        .bind(config.madsAddress(), config.madsPort())
        .meterRegistry(meters)
        .startOrLog()
        .orElse(null);
  }
}

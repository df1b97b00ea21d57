package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.api.ApiPreparation;
import io.meshfed.api.EarlyApi;
import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.store.StoreException;
import io.meshfed.testing.FreePorts;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exit status of a signal-driven stop: 0 when clean, {@code STOP_FAILED} otherwise; start
 * failures around the API opened before the store; the configuration read while the logging starts.
 */
class ControlPlaneRunnerTest {
  private final List<String> closed = new ArrayList<>();

  private AutoCloseable recording(String name) {
    return () -> {
      synchronized (closed) {
        closed.add(name);
      }
    };
  }

  @Test
  void aCleanStopClosesTheControlPlaneThenTheLockAndExitsZero() {
    int status =
        ControlPlaneRunner.stop(
            "global", recording("control plane"), recording("lock"), Duration.ofSeconds(10));

    assertThat(status).isZero();
    assertThat(closed).containsExactly("control plane", "lock");
  }

  @Test
  void aStopThatThrowsExitsNonZeroAndStillReleasesTheLock() {
    AutoCloseable failing =
        () -> {
          throw new IllegalStateException("store did not close");
        };

    int status =
        ControlPlaneRunner.stop("zone", failing, recording("lock"), Duration.ofSeconds(10));

    assertThat(status).isEqualTo(ControlPlaneRunner.STOP_FAILED).isNotZero();
    assertThat(closed).containsExactly("lock");
  }

  @Test
  void aStopThatHangsExitsNonZeroAfterTheTimeout() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AutoCloseable hanging = release::await;
    try {
      int status =
          ControlPlaneRunner.stop("zone", hanging, recording("lock"), Duration.ofMillis(200));

      assertThat(status).isEqualTo(ControlPlaneRunner.STOP_FAILED);
    } finally {
      release.countDown();
    }
  }

  @Test
  void aStoreThatFailsToOpenFailsTheStartWithItsReasonAndFreesTheApiPort(@TempDir Path dir)
      throws Exception {
    int apiPort = FreePorts.one();
    GlobalConfig config =
        GlobalConfig.load(
            Map.of("api-port", String.valueOf(apiPort), "data-dir", dir.toString()),
            Map.of(),
            null);
    EarlyApi api =
        ControlPlaneRunner.listen(
            "global",
            () ->
                GlobalControlPlane.listenEarly(
                    config,
                    GlobalControlPlane.newInstanceId(),
                    new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                    Clock.systemUTC()));
    assertThat(canBind(apiPort)).as("the API listens while the store opens").isFalse();

    assertThatThrownBy(
            () ->
                ControlPlaneRunner.withStore(
                    "global",
                    api,
                    () -> {
                      throw new StoreException("etcd at 127.0.0.1:1 does not answer");
                    },
                    store -> store))
        .isInstanceOf(CliException.class)
        .hasMessage("cannot start the global control plane: etcd at 127.0.0.1:1 does not answer");
    assertThat(canBind(apiPort)).as("the API's port is free again").isTrue();
  }

  @Test
  void anApiPortInUseIsExplainedBeforeTheStoreOpens(@TempDir Path dir) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      GlobalConfig config =
          GlobalConfig.load(
              Map.of("api-port", String.valueOf(taken.getLocalPort()), "data-dir", dir.toString()),
              Map.of(),
              null);

      assertThatThrownBy(
              () ->
                  ControlPlaneRunner.listen(
                      "global",
                      () ->
                          GlobalControlPlane.listenEarly(
                              config,
                              GlobalControlPlane.newInstanceId(),
                              new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                              Clock.systemUTC())))
          .isInstanceOf(CliException.class)
          .hasMessage(
              "cannot start the global control plane: cannot start the API server on 127.0.0.1:"
                  + taken.getLocalPort());
    }
  }

  @Test
  void aBadConfigurationIsReportedWithoutWaitingForTheLogging() throws Exception {
    CountDownLatch loggingMayEnd = new CountDownLatch(1);
    try {
      for (String role : List.of("global", "zone")) {
        ApiCommand command = ApiCommand.of(role);
        command.prepared(
            ApiPreparation.begin(
                ApiPreparation.Steps.standard()
                    .withStartLogging(() -> awaitQuietly(loggingMayEnd))));
        RunArguments bad = new RunArguments(Map.of("api-port", "not-a-port"), null);

        CompletableFuture<Integer> status =
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return command.start(bad);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                  }
                });

        assertThat(status.get(30, TimeUnit.SECONDS))
            .as(role)
            .isEqualTo(ControlPlaneRunner.BAD_CONFIGURATION);
      }
    } finally {
      loggingMayEnd.countDown();
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static boolean canBind(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}

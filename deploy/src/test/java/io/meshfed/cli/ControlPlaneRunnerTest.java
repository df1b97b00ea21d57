package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The exit status of a signal-driven stop: 0 when clean, {@code STOP_FAILED} otherwise. */
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
}

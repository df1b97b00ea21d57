package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.api.ApiPreparation.Steps;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The meter registry built beside the command line is handed over once, ready to record; the list
 * of locales and the instance id's random part are made at the same time as the logging starts, and
 * the zone rules after it.
 */
class ApiPreparationTest {
  @Test
  void handsTheMeterRegistryItBuiltOverOnce() throws Exception {
    ApiPreparation preparation = ApiPreparation.begin();
    preparation.done().get(30, TimeUnit.SECONDS);

    PrometheusMeterRegistry meters = preparation.meters();
    Counter.builder("prepared_total").register(meters).increment();
    assertThat(meters.scrape()).contains("prepared_total 1.0");
    assertThatThrownBy(preparation::meters)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("the prepared meter registry was taken already");
    meters.close();
  }

  @Test
  void readsTheLocalesWhileTheLoggingIsStillStarting() throws Exception {
    CountDownLatch loggingMayEnd = new CountDownLatch(1);
    ApiPreparation preparation =
        ApiPreparation.begin(Steps.standard().withStartLogging(() -> await(loggingMayEnd)));
    try {
      preparation.locales().get(30, TimeUnit.SECONDS);
      assertThat(preparation.done()).isNotDone();
    } finally {
      loggingMayEnd.countDown();
    }
    preparation.done().get(30, TimeUnit.SECONDS);
    preparation.meters().close();
  }

  /**
   * The logging is ready and the meter registry built before the zone rules the log lines' time
   * needs have been read: a command that waits for the logging does not wait for them.
   */
  @Test
  void readsTheZoneRulesAfterTheLoggingAndTheMeters() throws Exception {
    CountDownLatch zoneRulesMayEnd = new CountDownLatch(1);
    ApiPreparation preparation =
        ApiPreparation.begin(Steps.standard().withReadZoneRules(() -> await(zoneRulesMayEnd)));
    try {
      preparation.logging().get(30, TimeUnit.SECONDS);
      PrometheusMeterRegistry meters =
          CompletableFuture.supplyAsync(preparation::meters).get(30, TimeUnit.SECONDS);
      assertThat(preparation.done()).isNotDone();
      meters.close();
    } finally {
      zoneRulesMayEnd.countDown();
    }
    preparation.done().get(30, TimeUnit.SECONDS);
  }

  /** The instance id's host name and random part are made on a thread of their own. */
  @Test
  void makesTheInstanceSuffixWhileTheLoggingIsStillStarting() throws Exception {
    CountDownLatch loggingMayEnd = new CountDownLatch(1);
    ApiPreparation preparation =
        ApiPreparation.begin(
            Steps.standard()
                .withStartLogging(() -> await(loggingMayEnd))
                .withInstanceSuffix(() -> Thread.currentThread().getName() + "-1a2b3c4d"));
    try {
      assertThat(
              CompletableFuture.supplyAsync(preparation::instanceSuffix).get(30, TimeUnit.SECONDS))
          .isEqualTo(ApiPreparation.IDENTITY_THREAD + "-1a2b3c4d");
      assertThat(preparation.logging()).isNotDone();
    } finally {
      loggingMayEnd.countDown();
    }
    preparation.done().get(30, TimeUnit.SECONDS);
    preparation.meters().close();
  }

  /** A suffix that could not be made on its thread is made on the caller's. */
  @Test
  void makesTheInstanceSuffixAgainWhenItsThreadFailed() throws Exception {
    ApiPreparation preparation =
        ApiPreparation.begin(
            Steps.standard()
                .withInstanceSuffix(
                    () -> {
                      throw new IllegalStateException("no host name");
                    }));
    preparation.done().get(30, TimeUnit.SECONDS);

    assertThat(preparation.instanceSuffix())
        .startsWith(Processes.hostname() + "-")
        .matches(".+-[0-9a-f]{8}");
    preparation.meters().close();
  }

  @Test
  void instanceSuffixIsTheHostNameAndEightRandomHexDigits() {
    String suffix = Processes.instanceSuffix();

    assertThat(suffix).startsWith(Processes.hostname() + "-").matches(".+-[0-9a-f]{8}");
    assertThat(Processes.instanceSuffix()).isNotEqualTo(suffix);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

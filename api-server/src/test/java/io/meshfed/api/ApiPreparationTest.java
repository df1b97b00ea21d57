package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The meter registry built beside the command line is handed over once, ready to record; the list
 * of locales is read at the same time as the logging starts, not after it.
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
        ApiPreparation.begin(
            () -> {
              try {
                loggingMayEnd.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            () -> new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            Locale::getAvailableLocales);
    try {
      preparation.locales().get(30, TimeUnit.SECONDS);
      assertThat(preparation.done()).isNotDone();
    } finally {
      loggingMayEnd.countDown();
    }
    preparation.done().get(30, TimeUnit.SECONDS);
    preparation.meters().close();
  }
}

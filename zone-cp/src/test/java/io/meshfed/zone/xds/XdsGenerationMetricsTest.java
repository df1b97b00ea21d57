package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class XdsGenerationMetricsTest {
  private final PrometheusMeterRegistry meters =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicLong nanos = new AtomicLong();
  private final XdsGenerationMetrics metrics = new XdsGenerationMetrics(meters, nanos::get);

  @Test
  void observesMillisecondsByProxyTypeAndResult() {
    assertThat(
            metrics.observe(
                ProxyId.Kind.SIDECAR,
                () -> {
                  nanos.addAndGet(7_000_000); // 7 ms
                  return true;
                }))
        .isTrue();
    assertThat(metrics.observe(ProxyId.Kind.INGRESS, () -> false)).isFalse();

    assertThat(
            meters
                .get("xds_generation")
                .tag("proxy_type", "dataplane")
                .tag("result", "changed")
                .summary()
                .totalAmount())
        .isEqualTo(7.0);
    String text = meters.scrape();
    assertThat(text)
        .contains("# TYPE xds_generation summary")
        .contains("xds_generation{proxy_type=\"dataplane\",result=\"changed\",quantile=\"0.99\"}")
        .contains("xds_generation_count{proxy_type=\"ingress\",result=\"no_changes\"} 1")
        .contains("xds_generation_errors_total 0.0")
        .doesNotContain("xds_generation_seconds");
  }

  @Test
  void countsAFailedGenerationAndRethrows() {
    assertThatThrownBy(
            () ->
                metrics.observe(
                    ProxyId.Kind.SIDECAR,
                    () -> {
                      throw new IllegalStateException("boom");
                    }))
        .hasMessage("boom");
    assertThat(meters.get("xds_generation_errors").counter().count()).isEqualTo(1);
    assertThat(meters.find("xds_generation").summary()).isNull();
  }
}

package io.meshfed.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class ControlPlaneMetersTest {
  @Test
  void exposesJvmProcessMetricsAndCpInfo() {
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (ControlPlaneMeters bound =
        ControlPlaneMeters.bind(meters, "global", "1.2.3", "host-1", "c-42")) {
      System.gc();
      String text = meters.scrape();
      assertThat(text)
          .contains("jvm_memory_used_bytes{")
          .contains("jvm_threads_live_threads")
          .contains("jvm_classes_loaded_classes")
          .contains("process_cpu_usage")
          .contains("system_cpu_count")
          .contains("process_uptime_seconds")
          .contains("process_files_open_files")
          .contains("jvm_gc_")
          .contains("# TYPE cp_info gauge")
          .contains(
              "cp_info{cluster_id=\"c-42\",instance_id=\"host-1\",mode=\"global\",product=\"meshfed\",version=\"1.2.3\"}"
                  + " 1");
    }
  }
}

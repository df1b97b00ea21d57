package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class HttpMetricsTest {
  private final PrometheusMeterRegistry meters =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final HttpMetrics http = new HttpMetrics(meters);

  private double inflight(String handler) {
    return meters.get("api_server_http_requests_inflight").tag("handler", handler).gauge().value();
  }

  @Test
  void countsInflightRequestsPerHandler() {
    http.started("/meshes/{mesh}");
    http.started("/meshes/{mesh}");
    http.started("/zones");
    assertThat(inflight("/meshes/{mesh}")).isEqualTo(2);
    assertThat(inflight("/zones")).isEqualTo(1);
    http.finished("/meshes/{mesh}", "GET", 200, System.nanoTime());
    assertThat(inflight("/meshes/{mesh}")).isEqualTo(1);
  }

  @Test
  void recordsKumasHistogramWithHandlerMethodAndCode() {
    http.started("/meshes/{mesh}");
    http.finished("/meshes/{mesh}", "PUT", 201, System.nanoTime());
    http.started("/meshes/{mesh}");
    http.finished("/meshes/{mesh}", "BREW", 405, System.nanoTime());
    String text = meters.scrape();
    assertThat(text)
        .contains("# TYPE api_server_http_request_duration_seconds histogram")
        .contains(
            "api_server_http_request_duration_seconds_bucket{code=\"201\",handler=\"/meshes/{mesh}\",method=\"PUT\",le=\"0.005\"}")
        .contains(
            "api_server_http_request_duration_seconds_count{code=\"405\",handler=\"/meshes/{mesh}\",method=\"OTHER\"} 1")
        .contains("le=\"10.0\"");
  }

  @Test
  void answersWithTheSameLabelsAddToOneHistogramAndNewLabelsGetTheirOwn() {
    for (int i = 0; i < 3; i++) {
      http.started("/zones");
      http.finished("/zones", "GET", 200, System.nanoTime());
    }
    http.started("/zones");
    http.finished("/zones", "GET", 404, System.nanoTime());
    assertThat(
            meters
                .get("api_server_http_request_duration")
                .tags("handler", "/zones", "method", "GET", "code", "200")
                .timer()
                .count())
        .isEqualTo(3);
    assertThat(
            meters
                .get("api_server_http_request_duration")
                .tags("handler", "/zones", "method", "GET", "code", "404")
                .timer()
                .count())
        .isEqualTo(1);
  }
}

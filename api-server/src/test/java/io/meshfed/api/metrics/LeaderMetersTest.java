package io.meshfed.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.store.ha.LeaderElector;
import io.meshfed.store.ha.LocalCoordination;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class LeaderMetersTest {
  @Test
  void theGaugeFollowsTheElectorAndTheChangesAreCounted() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    LocalCoordination coordination = new LocalCoordination("global-1");
    LeaderElector elector = coordination.elector("global");

    LeaderMeters meters = LeaderMeters.bind(registry, elector);

    assertThat(registry.scrape())
        .contains("cp_leader{role=\"global\"} 1.0")
        .contains("cp_leader_changes_total{role=\"global\"} 1.0");
    coordination.close();
    assertThat(registry.scrape()).contains("cp_leader{role=\"global\"} 0.0");
    meters.close();
    assertThat(registry.scrape()).doesNotContain("cp_leader");
  }
}

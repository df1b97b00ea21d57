package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HaDemoRollingRestartTest {
  @Test
  void readsTheLeaderMetersOfOneRoleFromAPrometheusScrape() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    AtomicLong globalLeader = new AtomicLong(1);
    AtomicLong globalChanges = new AtomicLong(3);
    Gauge.builder("cp_leader", globalLeader, AtomicLong::get)
        .tag("role", "global")
        .register(registry);
    FunctionCounter.builder("cp_leader_changes", globalChanges, AtomicLong::get)
        .tag("role", "global")
        .register(registry);
    Gauge.builder("cp_leader", () -> 0).tag("role", "zone-zone-1").register(registry);
    FunctionCounter.builder("cp_leader_changes", globalChanges, c -> 7)
        .tag("role", "zone-zone-1")
        .register(registry);
    String scrape = registry.scrape();

    assertThat(HaDemoRollingRestart.leadership(scrape, "global"))
        .contains(new HaDemoRollingRestart.Leadership(true, 3));
    assertThat(HaDemoRollingRestart.leadership(scrape, "zone-zone-1"))
        .contains(new HaDemoRollingRestart.Leadership(false, 7));
    assertThat(HaDemoRollingRestart.leadership(scrape, "zone-zone-2")).isEmpty();
    assertThat(HaDemoRollingRestart.leadership("", "global")).isEmpty();
  }
}

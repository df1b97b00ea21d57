package io.meshfed.api.metrics;

import io.meshfed.store.ha.LeaderElector;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Objects;

/**
 * The leader election meters of one role: {@code cp_leader{role}} (1 while this replica leads, 0
 * otherwise) and {@code cp_leader_changes_total{role}} (terms of the role this replica saw begin,
 * its own and others'). Read from the elector at scrape time; {@link #close()} removes them.
 */
public final class LeaderMeters implements AutoCloseable {
  private final MeterRegistry registry;
  private final List<Meter> meters;

  private LeaderMeters(MeterRegistry registry, List<Meter> meters) {
    this.registry = registry;
    this.meters = meters;
  }

  /** Binds the meters of {@code elector}'s role to {@code registry}. */
  public static LeaderMeters bind(MeterRegistry registry, LeaderElector elector) {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(elector, "elector");
    Gauge leader =
        Gauge.builder("cp_leader", elector, e -> e.isLeader() ? 1 : 0)
            .description("1 while this replica leads the role, 0 otherwise")
            .tag("role", elector.role())
            .register(registry);
    FunctionCounter changes =
        FunctionCounter.builder("cp_leader_changes", elector, e -> e.leaderChanges())
            .description("Terms of the role this replica saw begin, its own and others'")
            .tag("role", elector.role())
            .register(registry);
    return new LeaderMeters(registry, List.of(leader, changes));
  }

  @Override
  public void close() {
    meters.forEach(registry::remove);
  }
}

package io.meshfed.api.metrics;

import io.meshfed.store.ha.Coordination;
import io.meshfed.store.ha.LeaderElector;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The replica meters of a control plane: for each role, {@code cp_leader{role}} (1 while this
 * replica leads it, else 0) and {@code cp_leader_changes_total{role}} (terms of the role this
 * replica saw begin, its own and others'); and {@code cp_fenced_writes_refused_total}, registered
 * at 0 here and counted by {@link MeteredStore} each time a fenced write is refused. Values are
 * read from the coordination at scrape time. {@link #close()} removes the per-role meters.
 */
public final class CoordinationMeters implements AutoCloseable {
  private final MeterRegistry meters;
  private final List<Meter> registered;

  private CoordinationMeters(MeterRegistry meters, List<Meter> registered) {
    this.meters = meters;
    this.registered = registered;
  }

  /**
   * Binds the leader meters of {@code roles} (e.g. {@code global}, or {@code zone-<name>}).
   *
   * @throws IllegalArgumentException when no role is given
   */
  public static CoordinationMeters bind(
      MeterRegistry meters, Coordination coordination, String... roles) {
    Objects.requireNonNull(meters, "meters");
    Objects.requireNonNull(coordination, "coordination");
    if (roles.length == 0) {
      throw new IllegalArgumentException("CoordinationMeters.bind needs at least one role");
    }
    List<Meter> registered = new ArrayList<>();
    for (String role : roles) {
      LeaderElector elector = coordination.elector(role);
      registered.add(
          Gauge.builder("cp_leader", elector, e -> e.isLeader() ? 1 : 0)
              .description("1 while this replica leads the role, else 0")
              .tag("role", role)
              .register(meters));
      registered.add(
          FunctionCounter.builder("cp_leader_changes", elector, LeaderElector::leaderChanges)
              .description("Terms of the role this replica saw begin, its own and others'")
              .tag("role", role)
              .register(meters));
    }
    MeteredStore.fencedWritesRefused(meters);
    return new CoordinationMeters(meters, registered);
  }

  @Override
  public void close() {
    registered.forEach(meters::remove);
  }
}

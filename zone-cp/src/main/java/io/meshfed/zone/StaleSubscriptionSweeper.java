package io.meshfed.zone;

import io.meshfed.store.ResourceStore;
import io.meshfed.store.ha.Term;
import io.meshfed.zone.xds.XdsServer;
import java.io.Closeable;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Zone leader job: at the start of each term and every {@code period}, marks closed the xDS
 * subscriptions that zone replicas no longer registered (dead, or stopped without closing them)
 * left open, writing through the store fenced by the term. Replaces the sweep every zone control
 * plane ran at start, which closed the live subscriptions of the other replicas' proxies.
 */
final class StaleSubscriptionSweeper {
  /** How often the zone leader closes subscriptions of replicas that are gone. */
  static final Duration PERIOD = Duration.ofSeconds(10);

  /** Subscriptions younger than this are never swept (their replica may still be registering). */
  static final Duration GRACE = Duration.ofSeconds(30);

  private static final Logger log = LoggerFactory.getLogger(StaleSubscriptionSweeper.class);

  private final String zone;
  private final XdsServer xds;
  private final ZoneInstances instances;
  private final ResourceStore store;
  private final ScheduledExecutorService scheduler;
  private final Duration period;
  private final Duration grace;

  StaleSubscriptionSweeper(
      String zone,
      XdsServer xds,
      ZoneInstances instances,
      ResourceStore store,
      ScheduledExecutorService scheduler,
      Duration period,
      Duration grace) {
    this.zone = zone;
    this.xds = xds;
    this.instances = instances;
    this.store = store;
    this.scheduler = scheduler;
    this.period = period;
    this.grace = grace;
  }

  /** Starts sweeping for {@code term}; closing the handle stops it. */
  Closeable start(Term term) {
    ResourceStore writer = store.fenced(term);
    ScheduledFuture<?> timer =
        scheduler.scheduleWithFixedDelay(
            () -> sweep(term, writer), 0, period.toMillis(), TimeUnit.MILLISECONDS);
    return () -> timer.cancel(false);
  }

  private void sweep(Term term, ResourceStore writer) {
    if (!term.held()) {
      return;
    }
    instances
        .live()
        .thenCompose(live -> xds.closeSubscriptionsOfGoneInstances(live, grace, writer))
        .exceptionally(
            e -> {
              log.warn("zone={}: sweeping stale xDS subscriptions failed: {}", zone, e.toString());
              return null;
            });
  }
}

package io.meshfed.zone;

import io.meshfed.model.Resource;
import io.meshfed.model.spec.Tags;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourceStore;
import io.meshfed.zone.kds.FirstSync;
import io.meshfed.zone.kds.Origins;
import java.io.Closeable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a replica that does not hold the zone's KDS connection ready once the zone's shared store
 * holds global's copies, written by the leader: it checks every {@code period}, until the first
 * sync is done either way (by this replica leading and syncing, or by the copies appearing).
 */
final class FollowerReadiness implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(FollowerReadiness.class);

  private final String zone;
  private final ResourceStore store;
  private final List<String> types;
  private final FirstSync sync;
  private final BooleanSupplier leading;
  private final AtomicBoolean checking = new AtomicBoolean();
  private final ScheduledFuture<?> timer;

  FollowerReadiness(
      String zone,
      ResourceStore store,
      List<String> types,
      FirstSync sync,
      BooleanSupplier leading,
      ScheduledExecutorService scheduler,
      Duration period) {
    this.zone = zone;
    this.store = store;
    this.types = List.copyOf(types);
    this.sync = sync;
    this.leading = leading;
    this.timer =
        scheduler.scheduleWithFixedDelay(this::check, 0, period.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void check() {
    if (sync.isDone()) {
      timer.cancel(false);
      return;
    }
    if (leading.getAsBoolean()) {
      return; // the leader is ready after its own first sync
    }
    if (!checking.compareAndSet(false, true)) {
      return;
    }
    anyCopy(0)
        .whenComplete(
            (copy, error) -> {
              checking.set(false);
              if (error != null) {
                log.debug(
                    "zone={}: looking for global's copies failed: {}", zone, error.toString());
              } else if (copy.isPresent() && sync.heldInTheStore(copy.get().key().toString())) {
                timer.cancel(false);
              }
            });
  }

  /** The first resource copied from global of {@code types[i..]}, if any. */
  private CompletableFuture<Optional<Resource>> anyCopy(int i) {
    if (i >= types.size()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return store
        .list(
            ListQuery.all(types.get(i)).withLabels(Map.of(Tags.ORIGIN, Origins.GLOBAL)).page(0, 1))
        .thenCompose(
            page ->
                page.items().isEmpty()
                    ? anyCopy(i + 1)
                    : CompletableFuture.completedFuture(Optional.of(page.items().get(0))));
  }

  @Override
  public void close() {
    timer.cancel(false);
  }
}

package io.meshfed.global.kds;

import io.meshfed.kds.store.StoreKdsSource;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.ZoneSpec;
import io.meshfed.store.ResourceStore;
import java.io.Closeable;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The {@code Zone} resources of the global store, followed by a watch: which zones are disabled.
 * Thread-safe.
 */
final class ZoneDirectory implements AutoCloseable {
  private final StoreKdsSource zones;

  ZoneDirectory(ResourceStore store, ScheduledExecutorService scheduler, Duration retryDelay) {
    this.zones =
        new StoreKdsSource(
            store, List.of(StandardTypes.ZONE), r -> true, r -> r, scheduler, retryDelay);
  }

  CompletableFuture<Void> start() {
    return zones.start();
  }

  boolean isReady() {
    return zones.isReady(StandardTypes.ZONE);
  }

  /** Names of the zones whose {@code Zone} says {@code enabled: false}. */
  Set<String> disabled() {
    return zones.resources(StandardTypes.ZONE).stream()
        .filter(r -> r.spec() instanceof ZoneSpec z && !z.enabledOrDefault())
        .map(Resource::name)
        .collect(Collectors.toUnmodifiableSet());
  }

  /** What the store says about one zone. */
  enum State {
    /** No {@code Zone} resource: never connected, or deleted. */
    ABSENT,
    ENABLED,
    /** {@code enabled: false}. */
    DISABLED
  }

  /** The state of {@code zone}'s {@code Zone} resource. */
  State state(String zone) {
    for (Resource r : zones.resources(StandardTypes.ZONE)) {
      if (r.name().equals(zone)) {
        return r.spec() instanceof ZoneSpec z && !z.enabledOrDefault()
            ? State.DISABLED
            : State.ENABLED;
      }
    }
    return State.ABSENT;
  }

  /** Calls {@code onChange} whenever a {@code Zone} may have changed. */
  Closeable subscribe(Consumer<String> onChange) {
    return zones.subscribe(onChange);
  }

  @Override
  public void close() {
    zones.close();
  }
}

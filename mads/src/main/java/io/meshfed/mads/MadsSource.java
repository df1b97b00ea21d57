package io.meshfed.mads;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourceEvent;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.WatchListener;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@link MadsCache} up to date with the store: a watch marks the assignments stale when a
 * Mesh, Dataplane or ZoneIngress changes (insights and policies do not), and a rebuild on the
 * scheduler lists those three types, computes the assignments and publishes them when their version
 * changed. Rebuilds run at most once per {@code refresh}; requests never touch the store.
 *
 * <p>Confinement: the rebuild runs on the single-threaded {@code scheduler}; {@code dirty} and
 * {@code scheduled} are atomics set from the watch thread.
 */
final class MadsSource implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(MadsSource.class);
  private static final Set<String> TYPES =
      Set.of(StandardTypes.MESH, StandardTypes.DATAPLANE, StandardTypes.ZONE_INGRESS);
  private static final int PAGE = 500;

  private final String who;
  private final ResourceStore store;
  private final String localZone;
  private final MadsCache cache;
  private final ScheduledExecutorService scheduler;
  private final Duration refresh;
  private final AtomicBoolean dirty = new AtomicBoolean(true);
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private volatile boolean closed;
  private volatile long lastRebuildNanos = Long.MIN_VALUE / 2;
  private Closeable watch;

  /**
   * @param who the control plane, for logs ({@code zone=zone-1} or {@code global})
   * @param localZone the zone of resources without a {@code kuma.io/zone} label, or null on global
   */
  MadsSource(
      String who,
      ResourceStore store,
      String localZone,
      MadsCache cache,
      ScheduledExecutorService scheduler,
      Duration refresh) {
    this.who = who;
    this.store = store;
    this.localZone = localZone;
    this.cache = cache;
    this.scheduler = scheduler;
    this.refresh = refresh;
  }

  /** Starts watching the store and schedules the first build. */
  MadsSource start() {
    long revision = store.currentRevision().join();
    watch =
        store.watch(
            revision,
            new WatchListener() {
              @Override
              public void onEvents(List<ResourceEvent> events) {
                for (ResourceEvent e : events) {
                  if (TYPES.contains(e.key().type())) {
                    markDirty();
                    return;
                  }
                }
              }

              @Override
              public void onReset(List<Resource> all, long rev) {
                markDirty();
              }
            });
    markDirty();
    return this;
  }

  private void markDirty() {
    dirty.set(true);
    if (closed || !scheduled.compareAndSet(false, true)) {
      return;
    }
    long wait = lastRebuildNanos + refresh.toNanos() - System.nanoTime();
    scheduler.schedule(this::rebuild, Math.max(0, wait), TimeUnit.NANOSECONDS);
  }

  private void rebuild() {
    scheduled.set(false);
    if (closed || !dirty.getAndSet(false)) {
      return;
    }
    lastRebuildNanos = System.nanoTime();
    try {
      List<MonitoringAssignment> assignments =
          AssignmentGenerator.generate(
              list(StandardTypes.MESH),
              list(StandardTypes.DATAPLANE),
              list(StandardTypes.ZONE_INGRESS),
              localZone);
      MadsSnapshot next = MadsSnapshot.of(assignments);
      String before = cache.current().map(MadsSnapshot::version).orElse(null);
      if (!next.version().equals(before)) {
        cache.publish(next);
        log.info(
            "{}: monitoring assignments version {}: {} target(s)",
            who,
            next.version(),
            assignments.size());
      }
    } catch (RuntimeException e) {
      log.warn("{}: cannot rebuild monitoring assignments, retrying: {}", who, e.toString());
      markDirty();
    }
  }

  private List<Resource> list(String type) {
    List<Resource> all = new ArrayList<>();
    int offset = 0;
    while (true) {
      ResourcePage page = store.list(ListQuery.all(type).page(offset, PAGE)).join();
      all.addAll(page.items());
      if (!page.hasNext()) {
        return all;
      }
      offset = page.nextOffset();
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    if (watch != null) {
      watch.close();
    }
  }
}

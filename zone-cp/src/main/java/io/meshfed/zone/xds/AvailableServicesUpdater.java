package io.meshfed.zone.xds;

import io.meshfed.kds.KdsSource;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.ZoneIngressSpec;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.ha.FencedException;
import io.meshfed.xds.ingress.AvailableServices;
import java.io.Closeable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@code availableServices} of this zone's own ZoneIngresses equal to what its dataplanes
 * offer (healthy inbounds grouped by mesh and tag set, counted), outside the xDS build pass: a
 * change of Dataplanes or ZoneIngresses in the view asks for an update; requests made before it
 * runs fold into one. Only while {@link #writeThrough} holds a writer (the store fenced by the zone
 * leader's term) does it write; every replica would compute the same list, so one writer is enough
 * and replicas do not race each other's writes. A write refused because the term ended is left to
 * the new leader; any other failure is retried after {@link #RETRY}.
 *
 * <p>Confinement: updates run one at a time on {@code serial}; {@link #writing} is a concurrent map
 * because write completions arrive on the store's threads.
 */
final class AvailableServicesUpdater implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AvailableServicesUpdater.class);

  /** How long after a failed write it is tried again. */
  static final Duration RETRY = Duration.ofSeconds(1);

  private static final List<String> READ =
      List.of(StandardTypes.DATAPLANE, StandardTypes.ZONE_INGRESS);

  private final String zone;
  private final KdsSource view;
  private final Executor serial;
  private final ScheduledExecutorService scheduler;
  private final AtomicBoolean pending = new AtomicBoolean();
  private final AtomicReference<ResourceStore> writer = new AtomicReference<>();
  // what is being written to each ingress; the watch brings the result
  private final Map<ResourceKey, ZoneIngressSpec> writing = new ConcurrentHashMap<>();
  private final Closeable subscription;
  private volatile boolean closed;

  /**
   * @param view the zone's store view (Dataplanes and ZoneIngresses at least)
   * @param serial where updates run, one at a time
   * @param scheduler where retries wait
   */
  AvailableServicesUpdater(
      String zone, KdsSource view, Executor serial, ScheduledExecutorService scheduler) {
    this.zone = zone;
    this.view = view;
    this.serial = serial;
    this.scheduler = scheduler;
    this.subscription =
        view.subscribe(
            type -> {
              if (READ.contains(type)) {
                requestUpdate();
              }
            });
  }

  /**
   * From now on, writes through {@code store} (the store fenced by the zone leader's term),
   * starting with an update; closing the handle stops it.
   */
  Closeable writeThrough(ResourceStore store) {
    Objects.requireNonNull(store, "store");
    writer.set(store);
    requestUpdate();
    return () -> writer.compareAndSet(store, null);
  }

  /** Asks for an update; several requests before it starts make one. */
  void requestUpdate() {
    if (closed || writer.get() == null) {
      return; // a follower: the leader writes them
    }
    if (pending.compareAndSet(false, true)) {
      try {
        serial.execute(this::update);
      } catch (RejectedExecutionException stopping) {
        pending.set(false);
      }
    }
  }

  private void update() {
    pending.set(false);
    ResourceStore store = writer.get();
    if (closed || store == null || !READ.stream().allMatch(view::isReady)) {
      return; // a follower, or the view's first load brings another request
    }
    List<ZoneIngressSpec.AvailableService> services =
        AvailableServices.compute(view.resources(StandardTypes.DATAPLANE));
    for (Resource ingress : view.resources(StandardTypes.ZONE_INGRESS)) {
      ZoneIngressSpec spec = ingress.spec(ZoneIngressSpec.class);
      if (!zone.equals(spec.zone())
          || AvailableServices.sameServices(spec.availableServices(), services)) {
        continue;
      }
      ZoneIngressSpec wanted = spec.withAvailableServices(services);
      if (wanted.equals(writing.get(ingress.key()))) {
        continue; // already being written; the watch brings the result
      }
      writing.put(ingress.key(), wanted);
      store
          .update(ingress.withSpec(wanted), ingress.version())
          .whenComplete((ok, error) -> written(ingress, wanted, services.size(), error));
    }
  }

  private void written(Resource ingress, ZoneIngressSpec wanted, int groups, Throwable error) {
    writing.remove(ingress.key(), wanted);
    if (error == null) {
      log.info(
          "zone={}: zone ingress {} now advertises {} service group(s)",
          zone,
          ingress.name(),
          groups);
    } else if (causeOf(error) instanceof FencedException) {
      log.info(
          "zone={}: no longer the zone leader; leaving availableServices of {} to the new leader",
          zone,
          ingress.name());
    } else {
      log.info(
          "zone={}: updating availableServices of {} failed ({}); retrying",
          zone,
          ingress.name(),
          error.getMessage());
      try {
        scheduler.schedule(this::requestUpdate, RETRY.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException stopping) {
        log.debug("zone={}: not retrying, stopping", zone);
      }
    }
  }

  private static Throwable causeOf(Throwable error) {
    Throwable t = error;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  @Override
  public void close() {
    closed = true;
    try {
      subscription.close();
    } catch (java.io.IOException e) {
      log.debug("zone={}: {}", zone, e.toString());
    }
  }
}

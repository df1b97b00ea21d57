package io.meshfed.zone.kds;

import io.meshfed.kds.KdsDirection;
import io.meshfed.kds.store.StoreKdsSink;
import io.meshfed.kds.store.StoreKdsSource;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.spec.Tags;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourceStore;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The zone's ends of KDS over its own store. */
public final class ZoneSyncAdapters {
  private ZoneSyncAdapters() {}

  /**
   * Receives what global sends ({@link KdsDirection#GLOBAL_TO_ZONE} types) into the zone store,
   * labelled {@code kuma.io/origin: global}. It owns only resources so labelled: a zone's own
   * resource of the same name is never overwritten or deleted by a sync. Removals are fenced by the
   * identity of the global that sent each copy: a global started on an empty store (a new identity)
   * never wipes what the zone holds.
   */
  public static StoreKdsSink sinkFromGlobal(ResourceStore store, TypeRegistry registry) {
    return new StoreKdsSink(
            store,
            KdsDirection.GLOBAL_TO_ZONE.typeNames(registry),
            Origins::fromGlobal,
            Origins::stampGlobal)
        .fencedByPeer();
  }

  /**
   * Serves what the zone reports ({@link KdsDirection#ZONE_TO_GLOBAL} types): only resources that
   * originate in {@code zone}, never the copies global sent (such as other zones' ZoneIngresses),
   * stamped {@code kuma.io/origin: zone} and {@code kuma.io/zone: <zone>}. Call {@code start()}.
   */
  public static StoreKdsSource sourceToGlobal(
      ResourceStore store,
      TypeRegistry registry,
      String zone,
      ScheduledExecutorService scheduler,
      Duration retryDelay) {
    return new StoreKdsSource(
        store,
        KdsDirection.ZONE_TO_GLOBAL.typeNames(registry),
        r -> Origins.fromZone(r, zone),
        r -> Origins.stampZone(r, zone),
        scheduler,
        retryDelay);
  }

  /**
   * A mesh copied from global in an earlier run (it names global's cluster id), if any: read once
   * at start, it tells whether this zone's store already holds global's state.
   */
  public static Optional<Resource> aCopyFromGlobal(ResourceStore store, String zone) {
    try {
      return store
          .list(
              ListQuery.all(StandardTypes.MESH)
                  .withLabels(Map.of(Tags.ORIGIN, Origins.GLOBAL))
                  .page(0, 1))
          .get(30, TimeUnit.SECONDS)
          .items()
          .stream()
          .findFirst();
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "zone " + zone + ": cannot read the store at start: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("zone " + zone + ": interrupted at start", e);
    }
  }
}

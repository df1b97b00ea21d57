package io.meshfed.global.kds;

import io.meshfed.kds.KdsDirection;
import io.meshfed.kds.KdsSource;
import io.meshfed.kds.store.StoreKdsSink;
import io.meshfed.kds.store.StoreKdsSource;
import io.meshfed.model.Labels;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.ResourceType;
import io.meshfed.model.SyncDirection;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.ZoneIngressSpec;
import io.meshfed.store.ResourceStore;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * What global serves on {@code GlobalToZoneSync}: one store-backed source shared by every zone, and
 * a view of it per zone. Global-owned types go to every zone except what a zone itself reported
 * (labelled {@code kuma.io/origin: zone}); types fanned out between zones (ZoneIngress) go to every
 * zone but their own, only when other zones can reach them (a public address) and their zone is not
 * disabled. The zone filter is applied when a view is read, so enabling or disabling a zone takes
 * effect on every open stream at once. The fanned-out copies of a zone that {@link ZoneLiveness}
 * says is offline carry {@link Labels#ZONE_OFFLINE} {@code "true"} (zones keep them and send them
 * no traffic); copies of an online zone never carry it, whatever the zone reported.
 */
final class GlobalSources implements AutoCloseable {
  static final String ORIGIN_ZONE = "zone";

  private final TypeRegistry registry;
  private final StoreKdsSource shared;
  private final ZoneDirectory zones;
  private final ZoneLiveness liveness;
  private final List<String> fannedOut;

  GlobalSources(
      ResourceStore store,
      TypeRegistry registry,
      ZoneDirectory zones,
      ZoneLiveness liveness,
      ScheduledExecutorService scheduler,
      Duration retryDelay) {
    this.registry = registry;
    this.zones = zones;
    this.liveness = liveness;
    List<String> types = KdsDirection.GLOBAL_TO_ZONE.typeNames(registry);
    this.fannedOut =
        types.stream()
            .filter(t -> registry.require(t).sync() == SyncDirection.ZONE_TO_GLOBAL_TO_OTHER_ZONES)
            .toList();
    this.shared =
        new StoreKdsSource(
            store, types, this::servedToSomeZone, GlobalSources::forZones, scheduler, retryDelay);
  }

  /** Loads every served type and the zones; completes when both are ready. */
  CompletableFuture<Void> start() {
    return CompletableFuture.allOf(shared.start(), zones.start());
  }

  boolean isReady() {
    return zones.isReady() && shared.types().stream().allMatch(shared::isReady);
  }

  /** Calls {@code onReady} (possibly more than once) when the sources may have become ready. */
  Closeable onChange(Runnable onChange) {
    Closeable a = shared.subscribe(t -> onChange.run());
    Closeable b = zones.subscribe(t -> onChange.run());
    return () -> {
      a.close();
      b.close();
    };
  }

  private boolean servedToSomeZone(Resource r) {
    ResourceType type = registry.require(r.type());
    if (!type.syncs(r)) {
      return false;
    }
    boolean fromZone = ORIGIN_ZONE.equals(r.labels().get(Tags.ORIGIN));
    if (type.sync() == SyncDirection.ZONE_TO_GLOBAL_TO_OTHER_ZONES) {
      return fromZone && r.labels().containsKey(Tags.ZONE);
    }
    return !fromZone;
  }

  /**
   * The copy of a stored resource that zones receive: without the labels global's sink keeps for
   * itself (the receiving zone's sink would otherwise take them for its own bookkeeping).
   */
  static Resource forZones(Resource r) {
    Map<String, String> labels = r.labels();
    if (!labels.containsKey(StoreKdsSink.VERSION_LABEL)
        && !labels.containsKey(StoreKdsSink.NAME_LABEL)) {
      return r;
    }
    Map<String, String> kept = new TreeMap<>(labels);
    kept.remove(StoreKdsSink.VERSION_LABEL);
    kept.remove(StoreKdsSink.NAME_LABEL);
    Meta meta = r.meta();
    return r.withMeta(new Meta(kept, meta.version(), meta.creationTime(), meta.modificationTime()));
  }

  /** {@code r} with {@link Labels#ZONE_OFFLINE} set when {@code offline}, without it otherwise. */
  static Resource markOffline(Resource r, boolean offline) {
    boolean marked = r.labels().containsKey(Labels.ZONE_OFFLINE);
    if (offline) {
      return Labels.zoneOffline(r)
          ? r
          : r.withMeta(r.meta().withLabel(Labels.ZONE_OFFLINE, "true"));
    }
    if (!marked) {
      return r;
    }
    Map<String, String> kept = new TreeMap<>(r.labels());
    kept.remove(Labels.ZONE_OFFLINE);
    Meta meta = r.meta();
    return r.withMeta(new Meta(kept, meta.version(), meta.creationTime(), meta.modificationTime()));
  }

  /** The source served to {@code zone}. */
  KdsSource forZone(String zone) {
    return new ZoneView(zone);
  }

  @Override
  public void close() {
    shared.close();
    zones.close();
  }

  /** One zone's view of the shared source. */
  private final class ZoneView implements KdsSource {
    private final String zone;

    ZoneView(String zone) {
      this.zone = zone;
    }

    @Override
    public List<String> types() {
      return shared.types();
    }

    @Override
    public boolean isReady(String type) {
      return zones.isReady() && shared.isReady(type);
    }

    @Override
    public List<Resource> resources(String type) {
      List<Resource> all = shared.resources(type);
      if (!fannedOut.contains(type)) {
        return all;
      }
      Set<String> disabled = zones.disabled();
      return all.stream()
          .filter(r -> visible(r, disabled))
          .map(r -> markOffline(r, liveness.offline(r.labels().get(Tags.ZONE))))
          .toList();
    }

    @Override
    public Optional<Resource> resource(String type, ResourceKey key) {
      Optional<Resource> found = shared.resource(type, key);
      if (!fannedOut.contains(type)) {
        return found;
      }
      Set<String> disabled = zones.disabled();
      return found
          .filter(r -> visible(r, disabled))
          .map(r -> markOffline(r, liveness.offline(r.labels().get(Tags.ZONE))));
    }

    private boolean visible(Resource r, Set<String> disabled) {
      String origin = r.labels().get(Tags.ZONE);
      if (origin == null || origin.equals(zone) || disabled.contains(origin)) {
        return false;
      }
      return !(r.spec() instanceof ZoneIngressSpec ingress) || ingress.hasPublicAddress();
    }

    @Override
    public Closeable subscribe(Consumer<String> onChange) {
      return subscribeKeys((type, keys) -> onChange.accept(type));
    }

    /**
     * Store changes name their keys; a change of the zones or of their liveness may change which
     * fanned-out resources this zone sees, or their labels, so it names none (the type is reread).
     */
    @Override
    public Closeable subscribeKeys(BiConsumer<String, Set<ResourceKey>> onChange) {
      Closeable a = shared.subscribeKeys(onChange);
      Closeable b = zones.subscribe(t -> fannedOut.forEach(f -> onChange.accept(f, null)));
      Closeable c = liveness.subscribe(() -> fannedOut.forEach(f -> onChange.accept(f, null)));
      return () -> {
        try {
          a.close();
        } finally {
          closeQuietly(b);
          closeQuietly(c);
        }
      };
    }
  }

  private static void closeQuietly(Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      // a subscription handle of the store source never fails to close
    }
  }
}

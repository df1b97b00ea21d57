package io.meshfed.global.kds;

import io.meshfed.kds.KdsReceived;
import io.meshfed.kds.KdsRejection;
import io.meshfed.kds.KdsSink;
import io.meshfed.kds.store.StoreKdsSink;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.ZoneIngressSpec;
import io.meshfed.store.ResourceStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;

/**
 * Where global stores what zone {@code zone} reports on {@code ZoneToGlobalSync}. Only zone-owned
 * types are accepted. Each resource is attributed to the zone of the stream, never to what the
 * payload says: it is renamed {@code <zone>.<name>} (so two zones never collide), labelled {@code
 * kuma.io/origin: zone} and {@code kuma.io/zone: <zone>}, and the {@code kuma.io/zone} tags of
 * Dataplane inbounds and {@code ZoneIngress.zone} are pinned to the zone (each rewrite counted). A
 * resource whose labels claim another zone, or global as its origin, is rejected by name. Only
 * resources labelled with this zone are held, updated or removed, so a zone can never touch another
 * zone's or global's resources.
 */
final class ZoneSink implements KdsSink {
  private final String zone;
  private final List<String> types;
  private final StoreKdsSink store;
  private final IntConsumer rewrites;

  /**
   * @param rewrites called with the number of attribution rewrites of each stamped resource
   */
  ZoneSink(String zone, ResourceStore store, TypeRegistry registry, IntConsumer rewrites) {
    this.zone = zone;
    this.types =
        registry.all().stream().filter(t -> t.sync().ownedByZone()).map(t -> t.name()).toList();
    this.rewrites = rewrites;
    this.store = new StoreKdsSink(store, types, this::owned, this::stamp, k -> storedKey(zone, k));
  }

  /** The stored name of a resource zone {@code zone} reported as {@code name}. */
  static String storedName(String zone, String name) {
    return zone + "." + name;
  }

  /**
   * The stored key of a resource zone {@code zone} reported under {@code reported}: named {@link
   * #storedName}, held as the zone's prefix and the reported name (which the resource's {@code
   * kds.meshfed.io/name} label holds too), so that the stored name costs no string of its own.
   */
  static ResourceKey storedKey(String zone, ResourceKey reported) {
    return ResourceKey.prefixed(
        reported.type(), reported.mesh(), storedName(zone, ""), reported.name());
  }

  private boolean owned(Resource r) {
    return GlobalSources.ORIGIN_ZONE.equals(r.labels().get(Tags.ORIGIN))
        && zone.equals(r.labels().get(Tags.ZONE));
  }

  @Override
  public List<String> types() {
    return types;
  }

  @Override
  public CompletableFuture<Map<String, String>> heldVersions(String type) {
    if (!types.contains(type)) {
      return CompletableFuture.completedFuture(Map.of());
    }
    return store.heldVersions(type);
  }

  @Override
  public CompletableFuture<List<KdsRejection>> apply(
      String type, List<KdsReceived> upserts, List<String> removedNames) {
    List<KdsRejection> refused = new ArrayList<>();
    if (!types.contains(type)) {
      String reason =
          type
              + " is not a zone-owned type: zone "
              + zone
              + " may only report "
              + types
              + " to global";
      upserts.forEach(u -> refused.add(new KdsRejection(u.name(), u.version(), reason)));
      removedNames.forEach(n -> refused.add(new KdsRejection(n, "", reason)));
      return CompletableFuture.completedFuture(refused);
    }
    List<KdsReceived> accepted = new ArrayList<>();
    for (KdsReceived received : upserts) {
      String problem = claimProblem(type, received.resource());
      if (problem == null) {
        accepted.add(received);
      } else {
        refused.add(new KdsRejection(received.name(), received.version(), problem));
      }
    }
    return store
        .apply(type, accepted, removedNames)
        .thenApply(
            failed -> {
              List<KdsRejection> all = new ArrayList<>(refused);
              all.addAll(failed);
              return all;
            });
  }

  /** Why a received resource may not be stored for this zone, or null. */
  private String claimProblem(String type, Resource r) {
    if (!r.type().equals(type)) {
      return "a " + r.type() + " sent as " + type;
    }
    String claimedZone = r.labels().get(Tags.ZONE);
    if (claimedZone != null && !claimedZone.equals(zone)) {
      return "labelled "
          + Tags.ZONE
          + ": "
          + claimedZone
          + ", but this stream belongs to zone "
          + zone
          + " (a zone may only report its own resources)";
    }
    String origin = r.labels().get(Tags.ORIGIN);
    if (origin != null && !origin.equals(GlobalSources.ORIGIN_ZONE)) {
      return "labelled "
          + Tags.ORIGIN
          + ": "
          + origin
          + " (expected "
          + GlobalSources.ORIGIN_ZONE
          + "): zone "
          + zone
          + " may not report resources it does not own";
    }
    return null;
  }

  /** Renames, labels and pins a received resource to this zone. */
  private Resource stamp(Resource r) {
    Map<String, String> labels = new TreeMap<>(r.labels());
    labels.put(Tags.ORIGIN, GlobalSources.ORIGIN_ZONE);
    labels.put(Tags.ZONE, zone);
    int rewritten = 0;
    io.meshfed.model.Spec spec = r.spec();
    Resource renamed = new Resource(storedKey(zone, r.key()), Meta.withLabels(labels), r.spec());
    if (spec instanceof DataplaneSpec dp) {
      rewritten += dp.inboundsClaimingOtherZone(zone);
      renamed = renamed.withSpec(dp.withZoneTag(zone));
    } else if (spec instanceof ZoneIngressSpec ingress && !zone.equals(ingress.zone())) {
      if (ingress.zone() != null && !ingress.zone().isEmpty()) {
        rewritten++;
      }
      renamed = renamed.withSpec(ingress.withZone(zone));
    }
    if (rewritten > 0) {
      rewrites.accept(rewritten);
    }
    return renamed;
  }

  @Override
  public String toString() {
    return "ZoneSink{zone=" + zone + ", types=" + types + "}";
  }
}

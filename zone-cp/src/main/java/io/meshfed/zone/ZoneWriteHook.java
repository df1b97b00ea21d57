package io.meshfed.zone;

import io.meshfed.api.WriteHook;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceType;
import io.meshfed.model.Spec;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.ZoneIngressSpec;
import io.meshfed.model.validation.ValidationException;
import io.meshfed.zone.kds.Origins;
import java.util.Objects;

/**
 * Stamps every zone-owned resource written through the zone's API with where it comes from: labels
 * {@code kuma.io/origin: zone} and {@code kuma.io/zone: <zone>}; each Dataplane inbound's {@code
 * kuma.io/zone} tag and a ZoneIngress's {@code zone} are set to this zone, whatever the input said.
 * A write over a copy synced from global (another zone's ZoneIngress) is refused: global owns it.
 */
final class ZoneWriteHook implements WriteHook {
  private final String zone;
  private final TypeRegistry registry;

  ZoneWriteHook(String zone, TypeRegistry registry) {
    this.zone = Objects.requireNonNull(zone, "zone");
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  @Override
  public Resource apply(Resource resource) {
    ResourceType type = registry.require(resource.type());
    if (!type.sync().ownedByZone()) {
      return resource;
    }
    return Origins.stampZone(resource, zone).withSpec(stampSpec(resource.spec()));
  }

  private Spec stampSpec(Spec spec) {
    if (spec instanceof DataplaneSpec dp) {
      return dp.withZoneTag(zone);
    }
    if (spec instanceof ZoneIngressSpec ingress) {
      return ingress.withZone(zone);
    }
    return spec;
  }

  /** Refuses a write over a copy synced from global (checked in the store's write, no read). */
  @Override
  public void checkExisting(Resource incoming, Resource existing) {
    if (!registry.require(incoming.type()).sync().ownedByZone() || !Origins.fromGlobal(existing)) {
      return;
    }
    String from = existing.labels().get(Tags.ZONE);
    throw ValidationException.single(
        incoming.key().toString(),
        "name",
        "is a copy synced from global"
            + (from == null ? "" : " (it belongs to zone '" + from + "')")
            + " and cannot be written on zone '"
            + zone
            + "'; choose another name");
  }
}

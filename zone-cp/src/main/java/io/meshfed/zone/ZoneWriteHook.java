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
import io.meshfed.store.ResourceStore;
import io.meshfed.store.StoreUnavailableException;
import io.meshfed.zone.kds.Origins;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Stamps every zone-owned resource written through the zone's API with where it comes from: labels
 * {@code kuma.io/origin: zone} and {@code kuma.io/zone: <zone>}; each Dataplane inbound's {@code
 * kuma.io/zone} tag and a ZoneIngress's {@code zone} are set to this zone, whatever the input said.
 * A write over a copy synced from global (another zone's ZoneIngress) is refused: global owns it.
 */
final class ZoneWriteHook implements WriteHook {
  private final String zone;
  private final TypeRegistry registry;
  private final ResourceStore store;
  private final Duration storeTimeout;

  ZoneWriteHook(String zone, TypeRegistry registry, ResourceStore store, Duration storeTimeout) {
    this.zone = Objects.requireNonNull(zone, "zone");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.store = Objects.requireNonNull(store, "store");
    this.storeTimeout = Objects.requireNonNull(storeTimeout, "storeTimeout");
  }

  @Override
  public Resource apply(Resource resource) {
    ResourceType type = registry.require(resource.type());
    if (!type.sync().ownedByZone()) {
      return resource;
    }
    refuseOverGlobalCopy(resource);
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

  private void refuseOverGlobalCopy(Resource resource) {
    Optional<Resource> current;
    try {
      current = store.get(resource.key()).get(storeTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreUnavailableException(
          "zone " + zone + ": interrupted while reading " + resource.key(), e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new StoreUnavailableException(
          "zone " + zone + ": cannot read " + resource.key() + ": " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new StoreUnavailableException(
          "zone " + zone + ": reading " + resource.key() + " took longer than " + storeTimeout, e);
    }
    if (current.isPresent() && Origins.fromGlobal(current.get())) {
      String from = current.get().labels().get(Tags.ZONE);
      throw ValidationException.single(
          resource.key().toString(),
          "name",
          "is a copy synced from global"
              + (from == null ? "" : " (it belongs to zone '" + from + "')")
              + " and cannot be written on zone '"
              + zone
              + "'; choose another name");
    }
  }
}

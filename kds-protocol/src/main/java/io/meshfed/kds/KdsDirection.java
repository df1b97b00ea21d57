package io.meshfed.kds;

import io.meshfed.model.ResourceType;
import io.meshfed.model.TypeRegistry;
import java.util.List;

/** The two KDS RPCs, and which registered types each carries (read from the registry). */
public enum KdsDirection {
  /** {@code GlobalToZoneSync}: global serves, the zone requests. */
  GLOBAL_TO_ZONE("GlobalToZoneSync"),
  /** {@code ZoneToGlobalSync}: the zone serves, global requests. */
  ZONE_TO_GLOBAL("ZoneToGlobalSync");

  private final String rpc;

  KdsDirection(String rpc) {
    this.rpc = rpc;
  }

  public String rpc() {
    return rpc;
  }

  /** True when this RPC carries resources of {@code type}. */
  public boolean carries(ResourceType type) {
    return this == GLOBAL_TO_ZONE ? type.sync().reachesZones() : type.sync().ownedByZone();
  }

  /** Names of the registered types this RPC carries, in registration order. */
  public List<String> typeNames(TypeRegistry registry) {
    return registry.all().stream().filter(this::carries).map(ResourceType::name).toList();
  }
}

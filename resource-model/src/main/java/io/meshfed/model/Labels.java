package io.meshfed.model;

/** Label keys meshfed reads or stamps. Kuma's names are kept where Kuma has one. */
public final class Labels {
  /** Where a resource was written: {@code global} or {@code zone}. */
  public static final String ORIGIN = "kuma.io/origin";

  /** The zone a resource comes from; stamped by the control plane, never trusted from input. */
  public static final String ZONE = "kuma.io/zone";

  /**
   * Set on resources the control plane keeps for itself (signing keys, CA material). The REST API
   * neither shows nor accepts them, and refuses this label on input.
   */
  public static final String MANAGED_BY = "meshfed.io/managed-by";

  /**
   * Set to {@code "true"} on a resource that global sends to zones although its type or its {@link
   * #MANAGED_BY} label would keep it back (the public half of the zone-token signing key).
   */
  public static final String SYNC_TO_ZONES = "meshfed.io/sync-to-zones";

  /**
   * Set to {@code "true"} by global on the copies of a zone's {@code ZoneIngress} that it sends to
   * the other zones while that zone has been offline (no KDS stream) for longer than the grace
   * period; removed when the zone is back. Zones keep such an ingress but send it no traffic. What
   * a zone reports under this key is overwritten by global.
   */
  public static final String ZONE_OFFLINE = "meshfed.io/zone-offline";

  private Labels() {}

  /** True when global marked the resource's zone offline ({@link #ZONE_OFFLINE}). */
  public static boolean zoneOffline(Resource r) {
    return "true".equals(r.labels().get(ZONE_OFFLINE));
  }

  /** True when the resource asks to be sent to zones ({@link #SYNC_TO_ZONES}). */
  public static boolean optsIntoZones(Resource r) {
    return "true".equals(r.labels().get(SYNC_TO_ZONES));
  }

  /** True for resources the control plane keeps for itself. */
  public static boolean isManaged(Resource r) {
    return r.labels().containsKey(MANAGED_BY);
  }

  /**
   * True for resources the API does not show: kept by the control plane ({@link #MANAGED_BY}) and
   * not published ({@link #SYNC_TO_ZONES}). Stores keep them out of visible-only lists ({@link
   * io.meshfed.store.ListQuery#onlyVisible()}).
   */
  public static boolean isHidden(Resource r) {
    return isManaged(r) && !optsIntoZones(r);
  }
}

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

  private Labels() {}

  /** True when the resource asks to be sent to zones ({@link #SYNC_TO_ZONES}). */
  public static boolean optsIntoZones(Resource r) {
    return "true".equals(r.labels().get(SYNC_TO_ZONES));
  }

  /** True for resources the control plane keeps for itself. */
  public static boolean isManaged(Resource r) {
    return r.labels().containsKey(MANAGED_BY);
  }
}

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

  private Labels() {}

  /** True for resources the control plane keeps for itself. */
  public static boolean isManaged(Resource r) {
    return r.labels().containsKey(MANAGED_BY);
  }
}

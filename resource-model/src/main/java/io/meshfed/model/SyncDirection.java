package io.meshfed.model;

/** Which way KDS carries a resource type. Sync code reads this; it never lists types. */
public enum SyncDirection {
  /** Written on global, copied to every zone. */
  GLOBAL_TO_ZONES,
  /** Written on a zone, reported to global. */
  ZONE_TO_GLOBAL,
  /** Written on a zone, reported to global, and fanned out to every other zone. */
  ZONE_TO_GLOBAL_TO_OTHER_ZONES,
  /** Stays where it was written. */
  NONE;

  /** True when a zone is the origin of resources of this direction. */
  public boolean ownedByZone() {
    return this == ZONE_TO_GLOBAL || this == ZONE_TO_GLOBAL_TO_OTHER_ZONES;
  }

  /** True when global sends resources of this direction to zones. */
  public boolean reachesZones() {
    return this == GLOBAL_TO_ZONES || this == ZONE_TO_GLOBAL_TO_OTHER_ZONES;
  }
}

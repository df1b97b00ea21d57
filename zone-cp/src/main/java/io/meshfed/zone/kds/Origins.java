package io.meshfed.zone.kds;

import io.meshfed.model.Resource;
import io.meshfed.model.spec.Tags;

/**
 * Where a resource in a zone's store comes from: synced from global ({@code kuma.io/origin:
 * global}) or written in this zone ({@code kuma.io/origin: zone}, {@code kuma.io/zone: <zone>}).
 */
public final class Origins {
  /** Value of {@code kuma.io/origin} on copies received from global. */
  public static final String GLOBAL = "global";

  /** Value of {@code kuma.io/origin} on resources written in a zone. */
  public static final String ZONE = "zone";

  private Origins() {}

  /** True for a copy global sent to this zone. */
  public static boolean fromGlobal(Resource r) {
    return GLOBAL.equals(r.labels().get(Tags.ORIGIN));
  }

  /**
   * True for a resource that originates in {@code zone}: not a copy from global, and not labelled
   * with another zone.
   */
  public static boolean fromZone(Resource r, String zone) {
    String labelledZone = r.labels().get(Tags.ZONE);
    return !fromGlobal(r) && (labelledZone == null || labelledZone.equals(zone));
  }

  /** {@code r} labelled {@code kuma.io/origin: zone} and {@code kuma.io/zone: <zone>}. */
  public static Resource stampZone(Resource r, String zone) {
    return r.withMeta(r.meta().withLabel(Tags.ORIGIN, ZONE).withLabel(Tags.ZONE, zone));
  }

  /** {@code r} labelled {@code kuma.io/origin: global}. */
  public static Resource stampGlobal(Resource r) {
    return r.withMeta(r.meta().withLabel(Tags.ORIGIN, GLOBAL));
  }
}

package io.meshfed.kds;

import java.util.Set;

/**
 * The views of one dataplane that global relays from its zone over {@code InspectRelay}: the last
 * path segment of {@code GET /meshes/{mesh}/dataplanes/{name}/{view}} on the zone API.
 */
public final class InspectViews {
  /** Which policy of each type applies to which inbound/outbound (Kuma's shape). */
  public static final String POLICIES = "policies";

  /** The config the zone sends the proxy, as an Envoy config dump. */
  public static final String XDS = "xds";

  public static final Set<String> ALL = Set.of(POLICIES, XDS);

  /**
   * The largest answer body relayed by default. Config dumps of sidecars with many outbounds run to
   * a few hundred KiB; anything beyond this is refused by the zone and by global.
   */
  public static final int DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

  private InspectViews() {}
}

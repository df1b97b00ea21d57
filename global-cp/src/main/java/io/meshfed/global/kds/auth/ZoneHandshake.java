package io.meshfed.global.kds.auth;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * What global knows about the zone on an authenticated KDS stream: its verified name, the version
 * and features it announced, and the token that authenticated it.
 */
public record ZoneHandshake(
    String zone,
    String version,
    Set<String> features,
    String tokenId,
    String tokenKid,
    Instant tokenExpiry) {
  public ZoneHandshake {
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(version, "version");
    features = Set.copyOf(features);
    Objects.requireNonNull(tokenId, "tokenId");
    Objects.requireNonNull(tokenKid, "tokenKid");
    Objects.requireNonNull(tokenExpiry, "tokenExpiry");
  }
}

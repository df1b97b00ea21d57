package io.meshfed.global.kds.auth;

import java.time.Instant;
import java.util.Objects;

/**
 * What a valid zone token proves: the zone it was issued for, its id, the signing key that signed
 * it and its validity.
 */
public record VerifiedToken(String zone, String jti, String kid, Instant issuedAt, Instant expiry) {
  public VerifiedToken {
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(jti, "jti");
    Objects.requireNonNull(kid, "kid");
    Objects.requireNonNull(issuedAt, "issuedAt");
    Objects.requireNonNull(expiry, "expiry");
  }
}

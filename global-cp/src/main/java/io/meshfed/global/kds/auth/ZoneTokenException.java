package io.meshfed.global.kds.auth;

import java.util.Objects;

/** A zone token was refused; {@link #reason()} says which check failed, the message says why. */
public final class ZoneTokenException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Which check a token failed. */
  public enum Reason {
    /** No token at all. */
    MISSING,
    /** Not three base64url parts, bad JSON, or a required claim is absent or mistyped. */
    MALFORMED,
    /** {@code alg} is not RS256 ({@code none} and HMAC algorithms are refused outright). */
    UNSUPPORTED_ALGORITHM,
    /** {@code kid} is absent or names no signing key this verifier knows. */
    UNKNOWN_KEY,
    /** The signature does not match: forged, altered, or signed by another key. */
    BAD_SIGNATURE,
    /** {@code exp} has passed (beyond the allowed clock skew). */
    EXPIRED,
    /** {@code iat} or {@code nbf} is in the future (beyond the allowed clock skew). */
    NOT_YET_VALID,
    /** The {@code zone} claim is absent or not a valid zone name. */
    MISSING_ZONE,
    /** The {@code scope} claim does not grant {@code cp}. */
    WRONG_SCOPE,
    /** The token's {@code jti} is on global's revocation list. */
    REVOKED,
    /** The keys and revocation list cannot be vouched for now (global's store is unavailable). */
    UNAVAILABLE
  }

  private final Reason reason;

  public ZoneTokenException(Reason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public Reason reason() {
    return reason;
  }
}

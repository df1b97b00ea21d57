package io.meshfed.global.kds.auth;

import static io.meshfed.global.kds.auth.ZoneTokenException.Reason.BAD_SIGNATURE;
import static io.meshfed.global.kds.auth.ZoneTokenException.Reason.EXPIRED;
import static io.meshfed.global.kds.auth.ZoneTokenException.Reason.MALFORMED;
import static io.meshfed.global.kds.auth.ZoneTokenException.Reason.MISSING;
import static io.meshfed.global.kds.auth.ZoneTokenException.Reason.MISSING_ZONE;
import static io.meshfed.global.kds.auth.ZoneTokenException.Reason.NOT_YET_VALID;
import static io.meshfed.global.kds.auth.ZoneTokenException.Reason.REVOKED;
import static io.meshfed.global.kds.auth.ZoneTokenException.Reason.UNKNOWN_KEY;
import static io.meshfed.global.kds.auth.ZoneTokenException.Reason.UNSUPPORTED_ALGORITHM;
import static io.meshfed.global.kds.auth.ZoneTokenException.Reason.WRONG_SCOPE;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.api.auth.Jws;
import io.meshfed.model.validation.Names;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Verifies zone tokens. Only RS256 is accepted, with a {@code kid} naming one of the known public
 * keys; {@code exp} is required, {@code iat}/{@code nbf} must not be in the future, both with a
 * small clock skew allowance; the token must carry a valid {@code zone} and the {@code cp} scope.
 * Checks run in that order, and the signature is checked before any claim is trusted.
 */
public final class ZoneTokenVerifier {
  /** Tolerated difference between the issuer's and the verifier's clocks. */
  public static final Duration DEFAULT_SKEW = Duration.ofMinutes(1);

  /** Tokens longer than this are refused before any decoding. */
  public static final int MAX_TOKEN_CHARS = 8 * 1024;

  private final ZoneTokenKeys keys;
  private final Clock clock;
  private final Duration skew;

  public ZoneTokenVerifier(Map<String, PublicKey> keysByKid, Clock clock, Duration skew) {
    this(ZoneTokenKeys.fixed(keysByKid), clock, skew);
  }

  /**
   * A verifier that asks {@code keys} on every token, so a rotated key or a new revocation applies
   * to the next connect.
   */
  public ZoneTokenVerifier(ZoneTokenKeys keys, Clock clock, Duration skew) {
    this.keys = Objects.requireNonNull(keys, "keys");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.skew = Objects.requireNonNull(skew, "skew");
    if (skew.isNegative()) {
      throw new IllegalArgumentException("skew must not be negative (got " + skew + ")");
    }
  }

  /** A verifier trusting the public half of {@code key}, with the default skew. */
  public static ZoneTokenVerifier forKey(ZoneTokenSigningKey key, Clock clock) {
    return new ZoneTokenVerifier(Map.of(key.kid(), key.publicKey()), clock, DEFAULT_SKEW);
  }

  /**
   * The token's zone and validity.
   *
   * @throws ZoneTokenException with the reason the token is refused
   */
  public VerifiedToken verify(String token) {
    if (token == null || token.isBlank()) {
      throw new ZoneTokenException(MISSING, "no zone token was given");
    }
    if (token.length() > MAX_TOKEN_CHARS) {
      throw new ZoneTokenException(
          MALFORMED,
          "token is " + token.length() + " characters (expected at most " + MAX_TOKEN_CHARS + ")");
    }
    String[] parts = token.strip().split("\\.", -1);
    if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new ZoneTokenException(
          MALFORMED, "token is not a JWT (expected header.payload.signature in base64url)");
    }
    JsonNode header = json(parts[0], "header");
    JsonNode alg = header.get("alg");
    if (alg == null || !alg.isTextual() || !Jwt.ALGORITHM.equals(alg.asText())) {
      throw new ZoneTokenException(
          UNSUPPORTED_ALGORITHM,
          "token algorithm "
              + (alg == null ? "is absent" : alg.toString())
              + " is not accepted (expected \"RS256\")");
    }
    JsonNode kid = header.get("kid");
    if (kid == null || !kid.isTextual()) {
      throw new ZoneTokenException(UNKNOWN_KEY, "token header has no kid (signing key id)");
    }
    keys.requireCurrent();
    Map<String, PublicKey> keysByKid = keys.verificationKeys();
    PublicKey key = keysByKid.get(kid.asText());
    if (key == null) {
      throw new ZoneTokenException(
          UNKNOWN_KEY,
          "token is signed with key '"
              + kid.asText()
              + "', which this control plane does not know (known: "
              + keysByKid.keySet().stream().sorted().toList()
              + ")");
    }
    byte[] signature;
    try {
      signature = Jwt.decode(parts[2], "signature");
    } catch (IllegalArgumentException e) {
      throw new ZoneTokenException(MALFORMED, "token " + e.getMessage());
    }
    if (!Jws.signatureMatches(key, parts[0] + "." + parts[1], signature)) {
      throw new ZoneTokenException(
          BAD_SIGNATURE,
          "token signature does not match signing key '"
              + kid.asText()
              + "' (altered, or issued by another control plane)");
    }
    JsonNode claims = json(parts[1], "payload");
    Instant now = clock.instant();
    Instant expiry = instant(claims, "exp", true);
    if (Jws.expired(expiry, now, skew)) {
      throw new ZoneTokenException(
          EXPIRED, "token expired at " + expiry + " (generate a new one on global)");
    }
    Instant issuedAt = instant(claims, "iat", true);
    Instant validFrom = Jws.validFrom(issuedAt, instant(claims, "nbf", false));
    if (Jws.notYetValid(validFrom, now, skew)) {
      throw new ZoneTokenException(
          NOT_YET_VALID,
          "token is valid only from " + validFrom + " (check the clocks of global and zone)");
    }
    JsonNode zone = claims.get("zone");
    if (zone == null || !zone.isTextual()) {
      throw new ZoneTokenException(MISSING_ZONE, "token has no zone claim");
    }
    String zoneProblem = Names.checkDnsLabel(zone.asText());
    if (zoneProblem != null) {
      throw new ZoneTokenException(MISSING_ZONE, "token zone claim: " + zoneProblem);
    }
    if (!hasCpScope(claims.get("scope"))) {
      throw new ZoneTokenException(
          WRONG_SCOPE,
          "token scope "
              + claims.get("scope")
              + " does not grant \""
              + ZoneTokenIssuer.SCOPE_CP
              + "\" (expected a zone control plane token)");
    }
    JsonNode jti = claims.get("jti");
    if (jti == null || !jti.isTextual() || jti.asText().isEmpty()) {
      throw new ZoneTokenException(MALFORMED, "token has no jti (token id)");
    }
    if (keys.isRevoked(jti.asText())) {
      throw new ZoneTokenException(
          REVOKED,
          "token "
              + jti.asText()
              + " of zone '"
              + zone.asText()
              + "' was revoked (listed in GlobalSecret '"
              + ZoneTokenTrust.REVOCATIONS_SECRET
              + "'); generate a new one with `meshfed generate zone-token --zone "
              + zone.asText()
              + "`");
    }
    return new VerifiedToken(zone.asText(), jti.asText(), kid.asText(), issuedAt, expiry);
  }

  private static boolean hasCpScope(JsonNode scope) {
    if (scope == null || !scope.isArray()) {
      return false;
    }
    for (JsonNode s : scope) {
      if (s.isTextual() && ZoneTokenIssuer.SCOPE_CP.equals(s.asText())) {
        return true;
      }
    }
    return false;
  }

  private static JsonNode json(String part, String what) {
    try {
      return Jwt.decodeJsonObject(part, "token " + what);
    } catch (IllegalArgumentException e) {
      throw new ZoneTokenException(MALFORMED, e.getMessage());
    }
  }

  private static Instant instant(JsonNode claims, String name, boolean required) {
    try {
      return Jws.timeClaim(claims, name, required);
    } catch (IllegalArgumentException e) {
      throw new ZoneTokenException(MALFORMED, "token " + e.getMessage());
    }
  }
}

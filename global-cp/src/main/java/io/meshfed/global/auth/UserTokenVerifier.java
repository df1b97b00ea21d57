package io.meshfed.global.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.api.auth.InvalidTokenException;
import io.meshfed.api.auth.Jws;
import io.meshfed.api.auth.Principal;
import io.meshfed.api.auth.TokenVerifier;
import java.security.PublicKey;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Verifies user tokens: RS256 only, {@code kid} {@value UserTokenIssuer#KID}, the signature before
 * any claim is trusted, then {@code exp} (required) and {@code iat}/{@code nbf} (not in the future)
 * with a small clock skew, a {@code name}, {@code groups} of strings, a {@code jti} and, last, that
 * the {@code jti} is not revoked.
 */
public final class UserTokenVerifier implements TokenVerifier {
  public static final Duration DEFAULT_SKEW = Duration.ofMinutes(1);
  static final int MAX_TOKEN_CHARS = 8 * 1024;

  private final String kid;
  private final PublicKey key;
  private final Predicate<String> revoked;
  private final Clock clock;
  private final Duration skew;

  /**
   * @param revoked whether a token id is revoked (may throw an {@code ApiException} 503)
   */
  public UserTokenVerifier(
      String kid, PublicKey key, Predicate<String> revoked, Clock clock, Duration skew) {
    this.kid = Objects.requireNonNull(kid, "kid");
    this.key = Objects.requireNonNull(key, "key");
    this.revoked = Objects.requireNonNull(revoked, "revoked");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.skew = Objects.requireNonNull(skew, "skew");
  }

  /** A verifier for {@code issuer}'s tokens that consults {@code revocations}. */
  public static UserTokenVerifier of(
      UserTokenIssuer issuer, UserTokenRevocations revocations, Clock clock) {
    return new UserTokenVerifier(
        issuer.signingKey().kid(),
        issuer.signingKey().publicKey(),
        revocations::isRevoked,
        clock,
        DEFAULT_SKEW);
  }

  @Override
  public Principal verify(String token) {
    Jws.Parts parts;
    try {
      parts = Jws.split(token, MAX_TOKEN_CHARS);
    } catch (IllegalArgumentException e) {
      throw new InvalidTokenException(e.getMessage());
    }
    JsonNode alg = parts.header().get("alg");
    if (alg == null || !Jws.ALGORITHM.equals(alg.asText(null))) {
      throw new InvalidTokenException(
          "algorithm " + (alg == null ? "is absent" : alg.toString()) + " (expected \"RS256\")");
    }
    JsonNode k = parts.header().get("kid");
    if (k == null || !kid.equals(k.asText(null))) {
      throw new InvalidTokenException(
          "signed with key "
              + (k == null ? "(no kid)" : k.toString())
              + ", not a user token key of this control plane (expected \""
              + kid
              + "\")");
    }
    if (!Jws.signatureMatches(key, parts)) {
      throw new InvalidTokenException(
          "signature does not match (altered, or issued by another control plane)");
    }
    JsonNode claims = parts.claims();
    Instant now = clock.instant();
    Instant expiry = instant(claims, "exp", true);
    if (now.minus(skew).isAfter(expiry)) {
      throw new InvalidTokenException(
          "expired at " + expiry + " (generate a new one: meshfed generate user-token)");
    }
    Instant issuedAt = instant(claims, "iat", true);
    Instant notBefore = instant(claims, "nbf", false);
    Instant validFrom = notBefore != null && notBefore.isAfter(issuedAt) ? notBefore : issuedAt;
    if (validFrom.isAfter(now.plus(skew))) {
      throw new InvalidTokenException("valid only from " + validFrom + " (check the clocks)");
    }
    JsonNode name = claims.get("name");
    if (name == null || !name.isTextual() || name.asText().isBlank()) {
      throw new InvalidTokenException("has no name claim (not a user token)");
    }
    JsonNode groups = claims.get("groups");
    Set<String> groupSet = new LinkedHashSet<>();
    if (groups != null && !groups.isNull()) {
      if (!groups.isArray()) {
        throw new InvalidTokenException("claim 'groups' is not a list");
      }
      for (JsonNode g : groups) {
        if (!g.isTextual()) {
          throw new InvalidTokenException("claim 'groups' holds " + g + " (expected strings)");
        }
        groupSet.add(g.asText());
      }
    }
    JsonNode jti = claims.get("jti");
    if (jti == null || !jti.isTextual() || jti.asText().isEmpty()) {
      throw new InvalidTokenException("has no jti (token id)");
    }
    if (revoked.test(jti.asText())) {
      throw new InvalidTokenException("token " + jti.asText() + " is revoked");
    }
    return Principal.authenticated(name.asText(), groupSet);
  }

  private static Instant instant(JsonNode claims, String name, boolean required) {
    JsonNode n = claims.get(name);
    if (n == null && !required) {
      return null;
    }
    if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) {
      throw new InvalidTokenException(
          "claim '"
              + name
              + "' is "
              + (n == null ? "absent" : n.toString())
              + " (expected seconds since the epoch)");
    }
    try {
      return Instant.ofEpochSecond(n.asLong());
    } catch (DateTimeException e) {
      throw new InvalidTokenException("claim '" + name + "' is out of range (" + n.asLong() + ")");
    }
  }
}

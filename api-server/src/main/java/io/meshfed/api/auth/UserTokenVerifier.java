package io.meshfed.api.auth;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Verifies user tokens: RS256 only, a {@code kid} naming a known key, the signature before any
 * claim is trusted, then {@code exp} (required) and {@code iat}/{@code nbf} (not in the future)
 * with a small clock skew, a {@code name}, {@code groups} of strings, a {@code jti} and, last, that
 * the {@code jti} is not revoked.
 */
public final class UserTokenVerifier implements TokenVerifier {
  public static final Duration DEFAULT_SKEW = Duration.ofMinutes(1);
  static final int MAX_TOKEN_CHARS = 8 * 1024;

  private final Function<String, PublicKey> keys;
  private final Predicate<String> revoked;
  private final Clock clock;
  private final Duration skew;

  /**
   * @param keys the public key of a {@code kid}, or null when it names no key known here
   * @param revoked whether a token id is revoked (may throw an {@code ApiException} 503)
   */
  public UserTokenVerifier(
      Function<String, PublicKey> keys, Predicate<String> revoked, Clock clock, Duration skew) {
    this.keys = Objects.requireNonNull(keys, "keys");
    this.revoked = Objects.requireNonNull(revoked, "revoked");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.skew = Objects.requireNonNull(skew, "skew");
  }

  /** A verifier trusting one key, with the default skew. */
  public static UserTokenVerifier forKey(
      String kid, PublicKey key, Predicate<String> revoked, Clock clock) {
    Objects.requireNonNull(kid, "kid");
    Objects.requireNonNull(key, "key");
    return new UserTokenVerifier(k -> kid.equals(k) ? key : null, revoked, clock, DEFAULT_SKEW);
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
    PublicKey key = k == null || !k.isTextual() ? null : keys.apply(k.asText());
    if (key == null) {
      throw new InvalidTokenException(
          "signed with key "
              + (k == null ? "(no kid)" : k.toString())
              + ", which is not a user token key this control plane knows");
    }
    if (!Jws.signatureMatches(key, parts)) {
      throw new InvalidTokenException(
          "signature does not match (altered, or issued by another control plane)");
    }
    JsonNode claims = parts.claims();
    Instant now = clock.instant();
    Instant expiry = instant(claims, "exp", true);
    if (Jws.expired(expiry, now, skew)) {
      throw new InvalidTokenException(
          "expired at " + expiry + " (generate a new one: meshfed generate user-token)");
    }
    Instant issuedAt = instant(claims, "iat", true);
    Instant validFrom = Jws.validFrom(issuedAt, instant(claims, "nbf", false));
    if (Jws.notYetValid(validFrom, now, skew)) {
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
    try {
      return Jws.timeClaim(claims, name, required);
    } catch (IllegalArgumentException e) {
      throw new InvalidTokenException(e.getMessage());
    }
  }
}

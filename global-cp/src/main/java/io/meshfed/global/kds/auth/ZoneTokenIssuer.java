package io.meshfed.global.kds.auth;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.model.validation.Names;
import io.meshfed.store.ResourceStore;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issues zone tokens: RS256 JWTs with header {@code {"alg":"RS256","typ":"JWT","kid":...}} and
 * claims {@code zone}, {@code scope: ["cp"]}, {@code iat}, {@code exp} and a random {@code jti}.
 */
public final class ZoneTokenIssuer {
  private static final Logger log = LoggerFactory.getLogger(ZoneTokenIssuer.class);

  /** Scope that lets a zone control plane open KDS streams. */
  public static final String SCOPE_CP = "cp";

  public static final Duration DEFAULT_VALIDITY = Duration.ofDays(365);
  public static final Duration MAX_VALIDITY = Duration.ofDays(3650);

  private final ZoneTokenSigningKey key;
  private final Clock clock;

  public ZoneTokenIssuer(ZoneTokenSigningKey key, Clock clock) {
    this.key = Objects.requireNonNull(key, "key");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** An issuer with the store's signing key, created on first use. */
  public static ZoneTokenIssuer loadOrCreate(ResourceStore store, Clock clock) {
    return new ZoneTokenIssuer(ZoneTokenSigningKey.loadOrCreate(store), clock);
  }

  /** The key tokens are signed with (its public half verifies them). */
  public ZoneTokenSigningKey signingKey() {
    return key;
  }

  /** What is wrong with a zone name, or null when it is a valid DNS label. */
  public static String checkZone(String zone) {
    return Names.checkDnsLabel(zone);
  }

  /** What is wrong with a validity, or null when it is positive and at most 10 years. */
  public static String checkValidFor(Duration validFor) {
    if (validFor == null || validFor.isZero() || validFor.isNegative()) {
      return "must be positive (e.g. 8760h)";
    }
    if (validFor.compareTo(MAX_VALIDITY) > 0) {
      return "must be at most " + MAX_VALIDITY.toHours() + "h (10 years)";
    }
    return null;
  }

  /**
   * A signed token for {@code zone}, valid from now for {@code validFor}.
   *
   * @throws IllegalArgumentException when the zone is not a DNS label or the validity is not
   *     positive or longer than 10 years
   */
  public String issue(String zone, Duration validFor) {
    String zoneProblem = checkZone(zone);
    if (zoneProblem != null) {
      throw new IllegalArgumentException("zone: " + zoneProblem);
    }
    String validityProblem = checkValidFor(validFor);
    if (validityProblem != null) {
      throw new IllegalArgumentException("validFor: " + validityProblem);
    }
    Instant now = clock.instant();
    ObjectNode header = Jwt.JSON.createObjectNode();
    header.put("alg", Jwt.ALGORITHM).put("typ", "JWT").put("kid", key.kid());
    ObjectNode claims = Jwt.JSON.createObjectNode();
    String jti = UUID.randomUUID().toString();
    claims.put("zone", zone);
    claims.putArray("scope").add(SCOPE_CP);
    claims.put("iat", now.getEpochSecond());
    claims.put("exp", now.plus(validFor).getEpochSecond());
    claims.put("jti", jti);
    String signingInput = Jwt.encodeJson(header) + "." + Jwt.encodeJson(claims);
    String token = signingInput + "." + Jwt.encode(sign(signingInput));
    log.info(
        "zone {}: issued token {} (kid {}) valid until {}",
        zone,
        jti,
        key.kid(),
        now.plus(validFor));
    return token;
  }

  private byte[] sign(String signingInput) {
    try {
      Signature s = Signature.getInstance(Jwt.JCA_ALGORITHM);
      s.initSign(key.privateKey());
      s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a zone token: " + e.getMessage(), e);
    }
  }
}

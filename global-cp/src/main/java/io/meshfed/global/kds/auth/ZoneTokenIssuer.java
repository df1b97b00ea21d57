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
import java.util.function.Supplier;
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

  private final Supplier<ZoneTokenSigningKey> key;
  private final Clock clock;

  /** A token issued now: the compact JWT, its id ({@code jti}), its key id and its expiry. */
  public record Issued(String token, String id, String kid, Instant expiry) {
    public Issued {
      Objects.requireNonNull(token, "token");
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(kid, "kid");
      Objects.requireNonNull(expiry, "expiry");
    }

    /** Never prints the token. */
    @Override
    public String toString() {
      return "Issued{id=" + id + ", kid=" + kid + ", expiry=" + expiry + "}";
    }
  }

  public ZoneTokenIssuer(ZoneTokenSigningKey key, Clock clock) {
    Objects.requireNonNull(key, "key");
    this.key = () -> key;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** An issuer signing with the current signer of {@code trust} (it follows rotations). */
  public ZoneTokenIssuer(ZoneTokenTrust trust, Clock clock) {
    Objects.requireNonNull(trust, "trust");
    this.key = trust::signer;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** An issuer with the store's signing key, created on first use. */
  public static ZoneTokenIssuer loadOrCreate(ResourceStore store, Clock clock) {
    return new ZoneTokenIssuer(ZoneTokenSigningKey.loadOrCreate(store), clock);
  }

  /** The key tokens are signed with (its public half verifies them). */
  public ZoneTokenSigningKey signingKey() {
    return key.get();
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
    return issueWithId(zone, validFor).token();
  }

  /**
   * Like {@link #issue}, also telling the token's id (to revoke it later) and key id.
   *
   * @throws IllegalArgumentException when the zone is not a DNS label or the validity is not
   *     positive or longer than 10 years
   */
  public Issued issueWithId(String zone, Duration validFor) {
    String zoneProblem = checkZone(zone);
    if (zoneProblem != null) {
      throw new IllegalArgumentException("zone: " + zoneProblem);
    }
    String validityProblem = checkValidFor(validFor);
    if (validityProblem != null) {
      throw new IllegalArgumentException("validFor: " + validityProblem);
    }
    ZoneTokenSigningKey key = this.key.get();
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
    String token = signingInput + "." + Jwt.encode(sign(key, signingInput));
    log.info(
        "zone {}: issued token {} (kid {}) valid until {}",
        zone,
        jti,
        key.kid(),
        now.plus(validFor));
    return new Issued(
        token, jti, key.kid(), Instant.ofEpochSecond(now.plus(validFor).getEpochSecond()));
  }

  private static byte[] sign(ZoneTokenSigningKey key, String signingInput) {
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

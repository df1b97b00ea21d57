package io.meshfed.global.auth;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.api.auth.Jws;
import io.meshfed.global.kds.auth.ZoneTokenSigningKey;
import io.meshfed.global.kds.tls.GlobalSecrets;
import io.meshfed.kds.pki.Pem;
import io.meshfed.store.ResourceStore;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issues user tokens: RS256 JWTs with header {@code {"alg":"RS256","typ":"JWT","kid":"user-1"}} and
 * claims {@code name}, {@code groups}, {@code iat}, {@code exp} and a random {@code jti} (the token
 * id that revocation names). The RSA key is global's own, kept in the GlobalSecret {@value
 * #SIGNING_KEY_SECRET}, created on first start; it is not the zone token key, so neither kind of
 * token passes for the other.
 */
public final class UserTokenIssuer {
  private static final Logger log = LoggerFactory.getLogger(UserTokenIssuer.class);

  /** Key id in the tokens' header. */
  public static final String KID = "user-1";

  /** The GlobalSecret holding the signing key (PKCS#8 PEM). */
  public static final String SIGNING_KEY_SECRET = "user-token-signing-key-1";

  public static final Duration DEFAULT_VALIDITY = Duration.ofHours(24);
  public static final Duration MAX_VALIDITY = Duration.ofDays(3650);
  static final int MAX_NAME_CHARS = 253;
  static final int MAX_GROUPS = 32;

  private final ZoneTokenSigningKey key;
  private final Clock clock;

  public UserTokenIssuer(ZoneTokenSigningKey key, Clock clock) {
    this.key = Objects.requireNonNull(key, "key");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** An issuer with the store's signing key, created and stored when absent. */
  public static UserTokenIssuer loadOrCreate(ResourceStore store, Clock clock) {
    return loadOrCreate(store, clock, ZoneTokenSigningKey::newPrivateKey);
  }

  /**
   * Like {@link #loadOrCreate(ResourceStore, Clock)}, taking a new key from {@code generator} (e.g.
   * one generated in the background) when the store holds none.
   */
  public static UserTokenIssuer loadOrCreate(
      ResourceStore store, Clock clock, java.util.function.Supplier<PrivateKey> generator) {
    byte[] pem =
        GlobalSecrets.getOrCreate(
                store,
                SIGNING_KEY_SECRET,
                () -> {
                  log.info(
                      "creating the user token signing key (GlobalSecret '{}')",
                      SIGNING_KEY_SECRET);
                  return Pem.privateKey(generator.get()).getBytes(StandardCharsets.UTF_8);
                })
            .data();
    PrivateKey privateKey =
        Pem.firstPrivateKey(
            new String(pem, StandardCharsets.UTF_8), "GlobalSecret '" + SIGNING_KEY_SECRET + "'");
    return new UserTokenIssuer(ZoneTokenSigningKey.of(KID, privateKey), clock);
  }

  /** The key tokens are signed with (its public half verifies them). */
  public ZoneTokenSigningKey signingKey() {
    return key;
  }

  /** What is wrong with a user name, or null. */
  public static String checkName(String name) {
    if (name == null || name.isBlank()) {
      return "is required (e.g. john.doe@example.com)";
    }
    return checkText(name);
  }

  /** What is wrong with a group list, or null. */
  public static String checkGroups(Set<String> groups) {
    if (groups.size() > MAX_GROUPS) {
      return "has " + groups.size() + " groups (expected at most " + MAX_GROUPS + ")";
    }
    for (String g : groups) {
      if (g == null || g.isBlank()) {
        return "contains an empty group name";
      }
      String problem = checkText(g);
      if (problem != null) {
        return "group '" + g + "' " + problem;
      }
    }
    return null;
  }

  private static String checkText(String text) {
    if (text.length() > MAX_NAME_CHARS) {
      return "is " + text.length() + " characters (expected at most " + MAX_NAME_CHARS + ")";
    }
    if (text.chars().anyMatch(Character::isISOControl)) {
      return "contains control characters";
    }
    return null;
  }

  /** What is wrong with a validity, or null when it is positive and at most 10 years. */
  public static String checkValidFor(Duration validFor) {
    if (validFor == null || validFor.isZero() || validFor.isNegative()) {
      return "must be positive (e.g. 24h)";
    }
    if (validFor.compareTo(MAX_VALIDITY) > 0) {
      return "must be at most " + MAX_VALIDITY.toHours() + "h (10 years)";
    }
    return null;
  }

  /** A token, its id (for revocation) and its expiry. */
  public record Issued(String token, String id, Instant expiry) {
    /** Never prints the token. */
    @Override
    public String toString() {
      return "Issued{id=" + id + ", expiry=" + expiry + "}";
    }
  }

  /**
   * A signed token for {@code name} in {@code groups}, valid from now for {@code validFor}.
   *
   * @throws IllegalArgumentException when the name, a group or the validity is not acceptable
   */
  public Issued issue(String name, Set<String> groups, Duration validFor) {
    String problem = checkName(name);
    if (problem != null) {
      throw new IllegalArgumentException("name: " + problem);
    }
    problem = checkGroups(groups);
    if (problem != null) {
      throw new IllegalArgumentException("groups: " + problem);
    }
    problem = checkValidFor(validFor);
    if (problem != null) {
      throw new IllegalArgumentException("validFor: " + problem);
    }
    Instant now = clock.instant();
    Instant expiry = now.plus(validFor);
    ObjectNode header = Jws.JSON.createObjectNode();
    header.put("alg", Jws.ALGORITHM).put("typ", "JWT").put("kid", key.kid());
    ObjectNode claims = Jws.JSON.createObjectNode();
    String jti = UUID.randomUUID().toString();
    claims.put("name", name);
    ArrayNode g = claims.putArray("groups");
    new TreeSet<>(groups).forEach(g::add);
    claims.put("iat", now.getEpochSecond());
    claims.put("exp", expiry.getEpochSecond());
    claims.put("jti", jti);
    String token = Jws.sign(header, claims, key.privateKey());
    log.info(
        "issued user token {} for {} {} valid until {}", jti, name, new TreeSet<>(groups), expiry);
    return new Issued(token, jti, expiry);
  }
}

package io.meshfed.zone.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Issues and checks dataplane tokens: JWTs signed with HMAC-SHA256 ({@code HS256}) by the zone's
 * own key. The zone that issues a token is the only one that checks it, so the key is symmetric and
 * never leaves the zone (its store, encrypted at rest). Claims: {@code type} ({@code sidecar} or
 * {@code ingress}), {@code mesh} (sidecars), {@code name}, {@code iat}, {@code exp}, {@code jti};
 * the header names the key ({@code kid}). Immutable and thread-safe.
 */
public final class DataplaneTokens {
  /** Default validity of a token: one year, like zone tokens. */
  public static final Duration DEFAULT_VALIDITY = Duration.ofDays(365);

  private static final Duration MAX_VALIDITY = Duration.ofDays(10 * 365);
  private static final String ALG = "HmacSHA256";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  private final SecretKeySpec key;
  private final String keyId;
  private final Clock clock;

  public DataplaneTokens(byte[] key, String keyId, Clock clock) {
    if (key.length < 32) {
      throw new IllegalArgumentException("a dataplane token key has at least 32 bytes");
    }
    this.key = new SecretKeySpec(key.clone(), ALG);
    this.keyId = Objects.requireNonNull(keyId, "keyId");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** A problem with {@code validFor}, or null when it is usable. */
  public static String checkValidFor(Duration validFor) {
    if (validFor.isNegative() || validFor.isZero()) {
      return "must be positive";
    }
    return validFor.compareTo(MAX_VALIDITY) > 0 ? "must be at most 87600h (10 years)" : null;
  }

  /**
   * A token for the proxy {@code name} of {@code type}; {@code mesh} is required for a sidecar and
   * absent for an ingress.
   */
  public String issue(String type, String mesh, String name, Duration validFor) {
    if (!DataplaneToken.SIDECAR.equals(type) && !DataplaneToken.INGRESS.equals(type)) {
      throw new IllegalArgumentException(
          "type '" + type + "' (expected: one of [sidecar, ingress])");
    }
    if (DataplaneToken.SIDECAR.equals(type) == (mesh == null)) {
      throw new IllegalArgumentException(
          DataplaneToken.SIDECAR.equals(type)
              ? "a sidecar token needs a mesh"
              : "an ingress token has no mesh");
    }
    Instant now = clock.instant();
    ObjectNode header = JSON.createObjectNode().put("alg", "HS256").put("typ", "JWT");
    header.put("kid", keyId);
    ObjectNode claims = JSON.createObjectNode().put("type", type);
    if (mesh != null) {
      claims.put("mesh", mesh);
    }
    claims
        .put("name", name)
        .put("iat", now.getEpochSecond())
        .put("exp", now.plus(validFor).getEpochSecond())
        .put("jti", UUID.randomUUID().toString());
    String signed = encode(header) + "." + encode(claims);
    return signed + "." + B64.encodeToString(mac(signed));
  }

  /**
   * Checks {@code token} was issued by this zone's key, is valid now, and names the proxy {@code
   * type}/{@code mesh}/{@code name}.
   *
   * @throws DataplaneTokenException saying what is wrong (never echoing the token)
   */
  public DataplaneToken verify(String token, String type, String mesh, String name) {
    String who = DataplaneToken.describe(type, mesh, name);
    if (token == null || token.isBlank()) {
      throw new DataplaneTokenException(
          who + ": no dataplane token (generate one with `meshfed generate dataplane-token`)");
    }
    String t = token.strip();
    if (t.regionMatches(true, 0, "Bearer ", 0, 7)) {
      t = t.substring(7).strip();
    }
    String[] parts = t.split("\\.", -1);
    if (parts.length != 3) {
      throw new DataplaneTokenException(who + ": the dataplane token is not a JWT");
    }
    byte[] expected = mac(parts[0] + "." + parts[1]);
    byte[] given;
    try {
      given = B64D.decode(parts[2]);
    } catch (IllegalArgumentException e) {
      throw new DataplaneTokenException(who + ": the dataplane token's signature is not base64url");
    }
    if (!MessageDigest.isEqual(expected, given)) {
      throw new DataplaneTokenException(
          who + ": the dataplane token was not signed by this zone (or was changed)");
    }
    JsonNode claims = decode(parts[1], who);
    Instant exp = Instant.ofEpochSecond(claims.path("exp").asLong(0));
    Instant iat = Instant.ofEpochSecond(claims.path("iat").asLong(0));
    if (!clock.instant().isBefore(exp)) {
      throw new DataplaneTokenException(who + ": the dataplane token expired at " + exp);
    }
    String tType = claims.path("type").asText("");
    String tMesh = claims.hasNonNull("mesh") ? claims.get("mesh").asText() : null;
    String tName = claims.path("name").asText("");
    if (!tType.equals(type) || !Objects.equals(tMesh, mesh) || !tName.equals(name)) {
      throw new DataplaneTokenException(
          who
              + ": the dataplane token was issued to "
              + DataplaneToken.describe(tType, tMesh, tName)
              + ", not to this proxy");
    }
    String id = claims.path("jti").asText("");
    if (id.isEmpty()) {
      throw new DataplaneTokenException(who + ": the dataplane token has no id (jti)");
    }
    return new DataplaneToken(tType, tMesh, tName, iat, exp, keyId, id);
  }

  private byte[] mac(String signed) {
    try {
      Mac mac = Mac.getInstance(ALG);
      mac.init(key);
      return mac.doFinal(signed.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available in this JVM: " + e, e);
    }
  }

  private static String encode(ObjectNode node) {
    try {
      return B64.encodeToString(JSON.writeValueAsBytes(node));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode decode(String part, String who) {
    try {
      JsonNode n = JSON.readTree(B64D.decode(part));
      if (n == null || !n.isObject()) {
        throw new DataplaneTokenException(who + ": the dataplane token's claims are not an object");
      }
      return n;
    } catch (IOException | IllegalArgumentException e) {
      throw new DataplaneTokenException(who + ": the dataplane token's claims are not JSON");
    }
  }
}

package io.meshfed.api.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * The compact JWS encoding used by meshfed's tokens: {@code
 * base64url(header).base64url(payload).base64url(signature)}, RS256 only. Shared by zone tokens and
 * user tokens; every decoding failure is an {@link IllegalArgumentException} naming the part.
 */
public final class Jws {
  public static final String ALGORITHM = "RS256";
  public static final String JCA_ALGORITHM = "SHA256withRSA";
  public static final ObjectMapper JSON = new ObjectMapper();

  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  private Jws() {}

  /** A token split into its decoded header and claims, with what its signature covers. */
  public record Parts(JsonNode header, JsonNode claims, String signingInput, byte[] signature) {
    public Parts {
      signature = signature.clone();
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }
  }

  public static String encode(byte[] bytes) {
    return ENCODER.encodeToString(bytes);
  }

  public static String encodeJson(ObjectNode node) {
    try {
      return encode(JSON.writeValueAsBytes(node));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize JWT part: " + e.getMessage(), e);
    }
  }

  /** Base64url text to bytes; throws {@link IllegalArgumentException} naming the part. */
  public static byte[] decode(String part, String what) {
    if (part.indexOf('=') >= 0 || part.indexOf('+') >= 0 || part.indexOf('/') >= 0) {
      throw new IllegalArgumentException(what + " is not unpadded base64url");
    }
    try {
      return DECODER.decode(part);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " is not base64url (" + e.getMessage() + ")");
    }
  }

  /** A base64url JSON object; throws {@link IllegalArgumentException} naming the part. */
  public static JsonNode decodeJsonObject(String part, String what) {
    byte[] bytes = decode(part, what);
    JsonNode node;
    try {
      node = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(what + " is not JSON");
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(what + " is not a JSON object");
    }
    return node;
  }

  /** {@code header.claims.signature}, signed with {@code key} (RS256). */
  public static String sign(ObjectNode header, ObjectNode claims, PrivateKey key) {
    String signingInput = encodeJson(header) + "." + encodeJson(claims);
    try {
      Signature s = Signature.getInstance(JCA_ALGORITHM);
      s.initSign(key);
      s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + encode(s.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a token: " + e.getMessage(), e);
    }
  }

  /**
   * The token's parts, not yet trusted: call {@link #signatureMatches} before reading claims.
   *
   * @throws IllegalArgumentException when it is not three base64url parts of JSON objects
   */
  public static Parts split(String token, int maxChars) {
    if (token.length() > maxChars) {
      throw new IllegalArgumentException(
          "token is " + token.length() + " characters (expected at most " + maxChars + ")");
    }
    String[] parts = token.strip().split("\\.", -1);
    if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new IllegalArgumentException(
          "token is not a JWT (expected header.payload.signature in base64url)");
    }
    return new Parts(
        decodeJsonObject(parts[0], "token header"),
        decodeJsonObject(parts[1], "token payload"),
        parts[0] + "." + parts[1],
        decode(parts[2], "token signature"));
  }

  /** Whether {@code parts} were signed by the private half of {@code key} (RS256). */
  public static boolean signatureMatches(PublicKey key, Parts parts) {
    return signatureMatches(key, parts.signingInput(), parts.signature);
  }

  /** Whether {@code signature} over {@code signingInput} was made by {@code key}'s pair (RS256). */
  public static boolean signatureMatches(PublicKey key, String signingInput, byte[] signature) {
    try {
      Signature s = Signature.getInstance(JCA_ALGORITHM);
      s.initVerify(key);
      s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return s.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /**
   * A time claim ({@code exp}, {@code iat}, {@code nbf}) in seconds since the epoch, or null when
   * it is absent and not {@code required}.
   *
   * @throws IllegalArgumentException "claim 'exp' is ... (expected seconds since the epoch)" when
   *     it is absent but required, not a whole number, or out of range
   */
  public static Instant timeClaim(JsonNode claims, String name, boolean required) {
    JsonNode n = claims.get(name);
    if (n == null && !required) {
      return null;
    }
    if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) {
      throw new IllegalArgumentException(
          "claim '"
              + name
              + "' is "
              + (n == null ? "absent" : n.toString())
              + " (expected seconds since the epoch)");
    }
    try {
      return Instant.ofEpochSecond(n.asLong());
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(
          "claim '" + name + "' is out of range (" + n.asLong() + ")");
    }
  }

  /**
   * When a token issued at {@code issuedAt} starts to be valid: the later of it and {@code nbf}.
   */
  public static Instant validFrom(Instant issuedAt, Instant notBefore) {
    return notBefore != null && notBefore.isAfter(issuedAt) ? notBefore : issuedAt;
  }

  /**
   * Whether a token expiring at {@code expiry} has expired at {@code now}, allowing {@code skew}.
   */
  public static boolean expired(Instant expiry, Instant now, Duration skew) {
    return now.minus(skew).isAfter(expiry);
  }

  /** Whether a token valid from {@code validFrom} is not valid yet at {@code now} despite skew. */
  public static boolean notYetValid(Instant validFrom, Instant now, Duration skew) {
    return validFrom.isAfter(now.plus(skew));
  }
}

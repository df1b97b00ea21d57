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
    try {
      Signature s = Signature.getInstance(JCA_ALGORITHM);
      s.initVerify(key);
      s.update(parts.signingInput().getBytes(StandardCharsets.US_ASCII));
      return s.verify(parts.signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}

package io.meshfed.global.kds.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** The compact JWS encoding: {@code base64url(header).base64url(payload).base64url(signature)}. */
final class Jwt {
  static final String ALGORITHM = "RS256";
  static final String JCA_ALGORITHM = "SHA256withRSA";
  static final ObjectMapper JSON = new ObjectMapper();

  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  private Jwt() {}

  static String encode(byte[] bytes) {
    return ENCODER.encodeToString(bytes);
  }

  static String encodeJson(ObjectNode node) {
    try {
      return encode(JSON.writeValueAsBytes(node));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize JWT part: " + e.getMessage(), e);
    }
  }

  /** Base64url text to bytes; throws {@link IllegalArgumentException} naming the part. */
  static byte[] decode(String part, String what) {
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
  static JsonNode decodeJsonObject(String part, String what) {
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
}

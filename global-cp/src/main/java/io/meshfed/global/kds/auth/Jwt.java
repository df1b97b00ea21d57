package io.meshfed.global.kds.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.api.auth.Jws;

/** Zone tokens' view of the shared JWS encoding ({@link Jws}, also used by user tokens). */
final class Jwt {
  static final String ALGORITHM = Jws.ALGORITHM;
  static final String JCA_ALGORITHM = Jws.JCA_ALGORITHM;
  static final ObjectMapper JSON = Jws.JSON;

  private Jwt() {}

  static String encode(byte[] bytes) {
    return Jws.encode(bytes);
  }

  static String encodeJson(ObjectNode node) {
    return Jws.encodeJson(node);
  }

  /** Base64url text to bytes; throws {@link IllegalArgumentException} naming the part. */
  static byte[] decode(String part, String what) {
    return Jws.decode(part, what);
  }

  /** A base64url JSON object; throws {@link IllegalArgumentException} naming the part. */
  static JsonNode decodeJsonObject(String part, String what) {
    return Jws.decodeJsonObject(part, what);
  }
}

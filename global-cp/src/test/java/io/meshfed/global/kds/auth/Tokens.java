package io.meshfed.global.kds.auth;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;

/** Hand-made tokens for negative tests: any header and payload, signed with any RSA key. */
final class Tokens {
  private Tokens() {}

  static String b64(String json) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  static String signed(String headerJson, String payloadJson, PrivateKey key) throws Exception {
    String input = b64(headerJson) + "." + b64(payloadJson);
    Signature s = Signature.getInstance("SHA256withRSA");
    s.initSign(key);
    s.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign());
  }

  static String claims(String zone, String scope, long iat, long exp) {
    return "{"
        + (zone == null ? "" : "\"zone\":\"" + zone + "\",")
        + "\"scope\":"
        + scope
        + ",\"iat\":"
        + iat
        + ",\"exp\":"
        + exp
        + ",\"jti\":\"t-1\"}";
  }
}

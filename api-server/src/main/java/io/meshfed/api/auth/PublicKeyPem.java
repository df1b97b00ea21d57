package io.meshfed.api.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/** RSA public keys as PEM ({@code -----BEGIN PUBLIC KEY-----}, X.509 SubjectPublicKeyInfo). */
public final class PublicKeyPem {
  private static final String BEGIN = "-----BEGIN PUBLIC KEY-----";
  private static final String END = "-----END PUBLIC KEY-----";

  private PublicKeyPem() {}

  public static String encode(PublicKey key) {
    return BEGIN
        + "\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(key.getEncoded())
        + "\n"
        + END
        + "\n";
  }

  /**
   * The RSA public key in {@code pem}.
   *
   * @throws IllegalArgumentException naming {@code where} when it is not one
   */
  public static PublicKey decodeRsa(String pem, String where) {
    int begin = pem.indexOf(BEGIN);
    int end = pem.indexOf(END);
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException(where + " holds no PEM public key");
    }
    try {
      byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + BEGIN.length(), end));
      return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          where + " is not an RSA public key (" + e.getMessage() + ")", e);
    }
  }
}

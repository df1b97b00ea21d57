package io.meshfed.store.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * A key-encryption key (KEK) for secrets at rest: 32 bytes (AES-256). Its {@link #id()} is derived
 * from the key itself ({@code k-} and the first 8 bytes of its SHA-256, in hex), so a stored value
 * names the key that can open it without revealing anything usable about the key.
 */
public final class SecretsKey {
  /** Length of a key in bytes. */
  public static final int LENGTH = 32;

  private final SecretKey key;
  private final String id;

  private SecretsKey(byte[] bytes) {
    this.key = new SecretKeySpec(bytes, "AES");
    this.id = idOf(bytes);
  }

  /**
   * Parses a base64 key (surrounding white space ignored).
   *
   * @param where where the text came from, for the error ({@code file /etc/meshfed/secrets.key})
   * @throws IllegalArgumentException when the text is not base64 of exactly 32 bytes
   */
  public static SecretsKey fromBase64(String text, String where) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(text.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "the secrets key in "
              + where
              + " is not base64 (expected 32 random bytes, base64, e.g. from `openssl rand"
              + " -base64 32`)",
          e);
    }
    if (bytes.length != LENGTH) {
      throw new IllegalArgumentException(
          "the secrets key in "
              + where
              + " is "
              + bytes.length
              + " bytes (expected "
              + LENGTH
              + " random bytes, base64, e.g. from `openssl rand -base64 32`)");
    }
    try {
      return new SecretsKey(bytes);
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  /** A new random key. */
  public static SecretsKey generate(SecureRandom random) {
    byte[] bytes = new byte[LENGTH];
    random.nextBytes(bytes);
    try {
      return new SecretsKey(bytes);
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  /** {@code k-} and 16 hex digits. */
  public String id() {
    return id;
  }

  /** The key as written to a key file: base64 and a newline. */
  public String toBase64() {
    return Base64.getEncoder().encodeToString(key.getEncoded()) + "\n";
  }

  SecretKey key() {
    return key;
  }

  private static String idOf(byte[] bytes) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update("meshfed-secrets-key-id".getBytes(StandardCharsets.US_ASCII));
      byte[] digest = sha.digest(bytes);
      return "k-" + HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Shows the id only, never the key. */
  @Override
  public String toString() {
    return "SecretsKey{" + id + "}";
  }
}

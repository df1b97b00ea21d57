package io.meshfed.store.crypto;

import io.meshfed.model.ResourceKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Envelope encryption of one secret value with AES-256-GCM: a fresh random data key (DEK) per value
 * encrypts the value; the key-encryption key (KEK) of the {@link SecretsKeyring} wraps the DEK.
 * Both use a random 96-bit nonce. The resource key is bound as additional authenticated data, so a
 * value moved to another resource does not open.
 *
 * <p>Stored form: {@code meshfed-enc:v1:<kek id>:<base64(dek nonce | wrapped dek | nonce |
 * ciphertext and tag)>}. The sealed plaintext is one form byte and the value: a secret's data is
 * base64 text, so when it decodes and encodes back to the same text its bytes are sealed (form
 * {@value #FORM_BASE64}) rather than the text (form {@value #FORM_TEXT}), and the stored value is
 * only about a hundred bytes longer than the data, not a third. Thread-safe: every call builds its
 * own {@link Cipher}.
 */
public final class SecretsCipher {
  /** Prefix of every encrypted value. */
  public static final String PREFIX = "meshfed-enc:v1:";

  private static final String TRANSFORMATION = "AES/GCM/NoPadding";
  private static final int NONCE = 12;
  private static final int TAG_BITS = 128;
  private static final int WRAPPED_DEK = SecretsKey.LENGTH + TAG_BITS / 8;
  private static final int HEADER = NONCE + WRAPPED_DEK + NONCE;
  private static final byte FORM_TEXT = 0;
  private static final byte FORM_BASE64 = 1;

  private final SecretsKeyring keys;
  private final SecureRandom random;

  public SecretsCipher(SecretsKeyring keys, SecureRandom random) {
    this.keys = Objects.requireNonNull(keys, "keys");
    this.random = Objects.requireNonNull(random, "random");
  }

  public SecretsKeyring keys() {
    return keys;
  }

  /** True when {@code stored} is in the encrypted format (whatever its key). */
  public static boolean isEncrypted(String stored) {
    return stored != null && stored.startsWith(PREFIX);
  }

  /** The id of the key that encrypted {@code stored}, or empty when it is not encrypted. */
  public static Optional<String> keyIdOf(String stored) {
    if (!isEncrypted(stored)) {
      return Optional.empty();
    }
    int end = stored.indexOf(':', PREFIX.length());
    return end < 0 ? Optional.empty() : Optional.of(stored.substring(PREFIX.length(), end));
  }

  /** Encrypts {@code plaintext} (a secret's {@code data}) for resource {@code key}. */
  public String encrypt(ResourceKey key, String plaintext) {
    SecretsKey kek = keys.current();
    byte[] dek = new byte[SecretsKey.LENGTH];
    random.nextBytes(dek);
    byte[] dekNonce = nonce();
    byte[] nonce = nonce();
    try {
      byte[] wrapped = seal(kek.key(), dekNonce, dekAad(kek.id(), key), dek);
      byte[] sealed =
          seal(new SecretKeySpec(dek, "AES"), nonce, valueAad(key), plainForm(plaintext));
      ByteBuffer out = ByteBuffer.allocate(HEADER + sealed.length);
      out.put(dekNonce).put(wrapped).put(nonce).put(sealed);
      return PREFIX + kek.id() + ":" + Base64.getEncoder().encodeToString(out.array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM is not available in this JVM: " + e, e);
    } finally {
      Arrays.fill(dek, (byte) 0);
    }
  }

  /**
   * Opens a value {@link #encrypt} made for the same resource key.
   *
   * @throws SecretDecryptionException when the value is not encrypted, its key is not in the
   *     keyring, or it was changed
   */
  public String decrypt(ResourceKey key, String stored) {
    if (!isEncrypted(stored)) {
      throw new SecretDecryptionException(
          key
              + ": the stored data is not encrypted (expected a value starting with "
              + PREFIX
              + ")");
    }
    int end = stored.indexOf(':', PREFIX.length());
    if (end < 0) {
      throw new SecretDecryptionException(key + ": the encrypted data has no key id");
    }
    String kid = stored.substring(PREFIX.length(), end);
    SecretsKey kek =
        keys.find(kid)
            .orElseThrow(
                () ->
                    new SecretDecryptionException(
                        key
                            + " is encrypted with secrets key "
                            + kid
                            + ", which is not configured (configured: "
                            + keys.ids()
                            + "); start with the key file that holds "
                            + kid
                            + " (--secrets-key-file, or --secrets-previous-key-file during a"
                            + " rotation)"));
    byte[] blob;
    try {
      blob = Base64.getDecoder().decode(stored.substring(end + 1));
    } catch (IllegalArgumentException e) {
      throw new SecretDecryptionException(key + ": the encrypted data is not base64", e);
    }
    if (blob.length < HEADER + TAG_BITS / 8) {
      throw new SecretDecryptionException(
          key + ": the encrypted data is truncated (" + blob.length + " bytes)");
    }
    ByteBuffer in = ByteBuffer.wrap(blob);
    byte[] dekNonce = new byte[NONCE];
    byte[] wrapped = new byte[WRAPPED_DEK];
    byte[] nonce = new byte[NONCE];
    byte[] sealed = new byte[blob.length - HEADER];
    in.get(dekNonce).get(wrapped).get(nonce).get(sealed);
    byte[] dek = null;
    try {
      dek = open(kek.key(), dekNonce, dekAad(kid, key), wrapped);
      byte[] plain = open(new SecretKeySpec(dek, "AES"), nonce, valueAad(key), sealed);
      return fromPlainForm(key, plain);
    } catch (javax.crypto.AEADBadTagException e) {
      throw new SecretDecryptionException(
          key
              + ": the encrypted data does not authenticate with secrets key "
              + kid
              + " (it was changed, or copied from another resource)",
          e);
    } catch (GeneralSecurityException e) {
      throw new SecretDecryptionException(key + ": cannot decrypt: " + e, e);
    } finally {
      if (dek != null) {
        Arrays.fill(dek, (byte) 0);
      }
    }
  }

  /** The form byte, then the decoded bytes of canonical base64 text, else the UTF-8 text. */
  private static byte[] plainForm(String plaintext) {
    byte form = FORM_TEXT;
    byte[] body = null;
    try {
      byte[] decoded = Base64.getDecoder().decode(plaintext);
      if (Base64.getEncoder().encodeToString(decoded).equals(plaintext)) {
        form = FORM_BASE64;
        body = decoded;
      }
    } catch (IllegalArgumentException notBase64) {
      // sealed as text
    }
    if (body == null) {
      body = plaintext.getBytes(StandardCharsets.UTF_8);
    }
    byte[] out = new byte[body.length + 1];
    out[0] = form;
    System.arraycopy(body, 0, out, 1, body.length);
    Arrays.fill(body, (byte) 0);
    return out;
  }

  private static String fromPlainForm(ResourceKey key, byte[] plain) {
    if (plain.length == 0) {
      throw new SecretDecryptionException(key + ": the decrypted data has no form byte");
    }
    byte[] body = Arrays.copyOfRange(plain, 1, plain.length);
    try {
      return switch (plain[0]) {
        case FORM_BASE64 -> Base64.getEncoder().encodeToString(body);
        case FORM_TEXT -> new String(body, StandardCharsets.UTF_8);
        default ->
            throw new SecretDecryptionException(
                key + ": the decrypted data has an unknown form " + plain[0]);
      };
    } finally {
      Arrays.fill(body, (byte) 0);
      Arrays.fill(plain, (byte) 0);
    }
  }

  private byte[] nonce() {
    byte[] n = new byte[NONCE];
    random.nextBytes(n);
    return n;
  }

  private static byte[] seal(SecretKey k, byte[] nonce, byte[] aad, byte[] plain)
      throws GeneralSecurityException {
    Cipher c = Cipher.getInstance(TRANSFORMATION);
    c.init(Cipher.ENCRYPT_MODE, k, new GCMParameterSpec(TAG_BITS, nonce));
    c.updateAAD(aad);
    return c.doFinal(plain);
  }

  private static byte[] open(SecretKey k, byte[] nonce, byte[] aad, byte[] sealed)
      throws GeneralSecurityException {
    Cipher c = Cipher.getInstance(TRANSFORMATION);
    c.init(Cipher.DECRYPT_MODE, k, new GCMParameterSpec(TAG_BITS, nonce));
    c.updateAAD(aad);
    return c.doFinal(sealed);
  }

  private static byte[] dekAad(String kid, ResourceKey key) {
    return ("meshfed-dek:v1:" + kid + ":" + identity(key)).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] valueAad(ResourceKey key) {
    return ("meshfed-secret:v1:" + identity(key)).getBytes(StandardCharsets.UTF_8);
  }

  /** type, mesh and name, separated by a byte no name can hold. */
  private static String identity(ResourceKey key) {
    return key.type() + "\u0000" + (key.mesh() == null ? "" : key.mesh()) + "\u0000" + key.name();
  }
}

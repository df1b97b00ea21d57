package io.meshfed.store.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecretsCipherTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ResourceKey KEY =
      ResourceKey.inMesh(StandardTypes.SECRET, "default", "db-password");
  private static final String PLAIN =
      Base64.getEncoder().encodeToString("hunter2-very-secret".getBytes());

  private final SecretsKey k1 = SecretsKey.generate(RANDOM);
  private final SecretsKey k2 = SecretsKey.generate(RANDOM);
  private final SecretsCipher cipher = new SecretsCipher(SecretsKeyring.of(k1), RANDOM);

  @Test
  void roundTripsAndNamesTheKeyWithoutShowingThePlaintext() {
    String sealed = cipher.encrypt(KEY, PLAIN);

    assertThat(sealed).startsWith(SecretsCipher.PREFIX + k1.id() + ":").doesNotContain(PLAIN);
    assertThat(SecretsCipher.keyIdOf(sealed)).contains(k1.id());
    assertThat(cipher.decrypt(KEY, sealed)).isEqualTo(PLAIN);
  }

  @Test
  void base64DataCostsAConstantOverheadAndOtherTextRoundTripsAsIt() {
    byte[] raw = new byte[1_000_000];
    RANDOM.nextBytes(raw);
    String data = Base64.getEncoder().encodeToString(raw);
    String sealed = cipher.encrypt(KEY, data);
    assertThat(sealed.length()).isLessThan(data.length() + 200);
    assertThat(cipher.decrypt(KEY, sealed)).isEqualTo(data);
    for (String text : new String[] {"", "not base64!", "YQ", "YQ==\n", "héllo"}) {
      assertThat(cipher.decrypt(KEY, cipher.encrypt(KEY, text))).as(text).isEqualTo(text);
    }
  }

  @Test
  void everyValueGetsItsOwnDataKeyAndNonce() {
    assertThat(cipher.encrypt(KEY, PLAIN)).isNotEqualTo(cipher.encrypt(KEY, PLAIN));
  }

  @Test
  void aWrongKeyIsRefusedNamingTheKeyItNeeds() {
    String sealed = cipher.encrypt(KEY, PLAIN);
    SecretsCipher other = new SecretsCipher(SecretsKeyring.of(k2), RANDOM);

    assertThatThrownBy(() -> other.decrypt(KEY, sealed))
        .isInstanceOf(SecretDecryptionException.class)
        .hasMessageContaining("encrypted with secrets key " + k1.id())
        .hasMessageContaining("configured: [" + k2.id() + "]");
  }

  @Test
  void aForgedKeyIdWithTheWrongKeyDoesNotAuthenticate() {
    String sealed = cipher.encrypt(KEY, PLAIN);
    String relabelled = sealed.replace(k1.id(), k2.id());
    SecretsCipher other = new SecretsCipher(SecretsKeyring.of(k2), RANDOM);

    assertThatThrownBy(() -> other.decrypt(KEY, relabelled))
        .isInstanceOf(SecretDecryptionException.class)
        .hasMessageContaining("does not authenticate");
  }

  @Test
  void tamperedCiphertextIsRefused() {
    String sealed = cipher.encrypt(KEY, PLAIN);
    int colon = sealed.lastIndexOf(':');
    byte[] blob = Base64.getDecoder().decode(sealed.substring(colon + 1));
    for (int at : List.of(0, 20, blob.length - 20, blob.length - 1)) {
      byte[] copy = blob.clone();
      copy[at] ^= 0x01;
      String tampered = sealed.substring(0, colon + 1) + Base64.getEncoder().encodeToString(copy);
      assertThatThrownBy(() -> cipher.decrypt(KEY, tampered))
          .as("flipped byte %d", at)
          .isInstanceOf(SecretDecryptionException.class)
          .hasMessageContaining("does not authenticate");
    }
  }

  @Test
  void aValueCopiedToAnotherResourceDoesNotOpen() {
    String sealed = cipher.encrypt(KEY, PLAIN);
    ResourceKey other = ResourceKey.inMesh(StandardTypes.SECRET, "default", "another");
    ResourceKey global = ResourceKey.global(StandardTypes.GLOBAL_SECRET, "db-password");

    assertThatThrownBy(() -> cipher.decrypt(other, sealed))
        .isInstanceOf(SecretDecryptionException.class);
    assertThatThrownBy(() -> cipher.decrypt(global, sealed))
        .isInstanceOf(SecretDecryptionException.class);
  }

  @Test
  void truncatedOrPlainValuesAreRefused() {
    String sealed = cipher.encrypt(KEY, PLAIN);

    assertThatThrownBy(() -> cipher.decrypt(KEY, sealed.substring(0, sealed.length() - 40)))
        .isInstanceOf(SecretDecryptionException.class);
    assertThatThrownBy(() -> cipher.decrypt(KEY, PLAIN))
        .isInstanceOf(SecretDecryptionException.class)
        .hasMessageContaining("not encrypted");
  }

  @Test
  void aPreviousKeyStillOpensButNewValuesUseTheCurrentOne() {
    String old = cipher.encrypt(KEY, PLAIN);
    SecretsCipher rotated = new SecretsCipher(new SecretsKeyring(k2, List.of(k1)), RANDOM);

    assertThat(rotated.decrypt(KEY, old)).isEqualTo(PLAIN);
    assertThat(SecretsCipher.keyIdOf(rotated.encrypt(KEY, PLAIN))).contains(k2.id());
  }

  @Test
  void keysParseFromBase64OfExactly32Bytes() {
    SecretsKey parsed = SecretsKey.fromBase64(k1.toBase64(), "test");
    assertThat(parsed.id()).isEqualTo(k1.id()).matches("k-[0-9a-f]{16}");
    assertThat(parsed.toString()).doesNotContain(k1.toBase64().strip());

    assertThatThrownBy(() -> SecretsKey.fromBase64("c2hvcnQ=", "file x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("file x is 5 bytes (expected 32");
    assertThatThrownBy(() -> SecretsKey.fromBase64("not base64 !", "file x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not base64");
  }
}

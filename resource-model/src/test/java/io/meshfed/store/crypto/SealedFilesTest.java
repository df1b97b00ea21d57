package io.meshfed.store.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SealedFilesTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String FORM = "zone-ca-key";
  private static final byte[] PEM =
      "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMG\n-----END PRIVATE KEY-----\n"
          .getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dir;
  private final SecretsKey k1 = SecretsKey.generate(RANDOM);
  private final SecretsKey k2 = SecretsKey.generate(RANDOM);
  private final SealedFiles sealed = new SealedFiles(SecretsKeyring.of(k1), RANDOM);

  @Test
  void sealsWithAHeaderNamingFormAndKeyOwnerOnlyAndOpensAgain() throws Exception {
    Path file = dir.resolve("ca").resolve("key.pem");
    sealed.write(file, FORM, PEM);

    String text = Files.readString(file);
    assertThat(text)
        .startsWith("meshfed-sealed-file: v1\nform: zone-ca-key\nkey: " + k1.id() + "\n")
        .doesNotContain("PRIVATE KEY");
    assertThat(SealedFiles.isSealed(file)).isTrue();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(sealed.read(file, FORM)).hasValueSatisfying(b -> assertThat(b).isEqualTo(PEM));
    assertThat(Files.readString(file)).isEqualTo(text); // a current file is left alone
    assertThat(sealed.read(dir.resolve("absent"), FORM)).isEmpty();
  }

  @Test
  void aPlainFileIsReadOnceAndRewrittenSealed() throws Exception {
    Path file = Files.write(dir.resolve("key.pem"), PEM);

    assertThat(sealed.read(file, FORM)).hasValueSatisfying(b -> assertThat(b).isEqualTo(PEM));

    assertThat(SealedFiles.isSealed(file)).isTrue();
    assertThat(Files.readString(file)).doesNotContain("PRIVATE KEY");
    assertThat(sealed.read(file, FORM)).hasValueSatisfying(b -> assertThat(b).isEqualTo(PEM));
  }

  @Test
  void aWrongKeyIsRefusedNamingTheFileAndTheKeyItNeeds() {
    Path file = dir.resolve("key.pem");
    sealed.write(file, FORM, PEM);

    assertThatThrownBy(() -> new SealedFiles(SecretsKeyring.of(k2), RANDOM).read(file, FORM))
        .isInstanceOf(SealedFileException.class)
        .hasMessageContaining(file + " is sealed with secrets key " + k1.id())
        .hasMessageContaining("configured: [" + k2.id() + "]");
  }

  @Test
  void aPreviousKeyOpensAndTheFileIsSealedAgainWithTheCurrentKey() throws Exception {
    Path file = dir.resolve("key.pem");
    sealed.write(file, FORM, PEM);

    SealedFiles rotated = new SealedFiles(new SecretsKeyring(k2, List.of(k1)), RANDOM);
    assertThat(rotated.read(file, FORM)).hasValueSatisfying(b -> assertThat(b).isEqualTo(PEM));

    assertThat(Files.readString(file)).contains("key: " + k2.id() + "\n");
    assertThat(new SealedFiles(SecretsKeyring.of(k2), RANDOM).read(file, FORM)).isPresent();
  }

  @Test
  void aChangedHeaderOrBodyOrAnotherFormDoesNotOpen() throws Exception {
    Path file = dir.resolve("key.pem");
    sealed.write(file, FORM, PEM);
    String text = Files.readString(file);

    assertThatThrownBy(() -> sealed.read(file, "other-form"))
        .isInstanceOf(SealedFileException.class)
        .hasMessageContaining("holds a sealed zone-ca-key (expected a sealed other-form)");

    Files.writeString(file, text.replace("form: zone-ca-key", "form: other-form"));
    assertThatThrownBy(() -> sealed.read(file, "other-form"))
        .isInstanceOf(SealedFileException.class)
        .hasMessageContaining("does not open with secrets key " + k1.id());

    String body = text.substring(text.lastIndexOf(k1.id()) + k1.id().length() + 1);
    char c = body.charAt(20);
    Files.writeString(
        file,
        text.replace(body, body.substring(0, 20) + (c == 'A' ? 'B' : 'A') + body.substring(21)));
    assertThatThrownBy(() -> sealed.read(file, FORM))
        .isInstanceOf(SealedFileException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("does not open");

    Files.writeString(file, SealedFiles.MAGIC + "\nform: zone-ca-key\n");
    assertThatThrownBy(() -> sealed.read(file, FORM))
        .isInstanceOf(SealedFileException.class)
        .hasMessageContaining("is not a complete sealed file");
  }
}

package io.meshfed.store.crypto;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files of secret material a control plane generates and keeps in its data directory (a zone's
 * intermediate CA key), sealed with the secrets key of {@link SecretsKeyring}: AES-256-GCM with a
 * random 96-bit nonce per write. A sealed file is text:
 *
 * <pre>
 * meshfed-sealed-file: v1
 * form: zone-ca-key
 * key: k-0123456789abcdef
 * &lt;base64(nonce | ciphertext and tag)&gt;
 * </pre>
 *
 * The {@code form} names what the content is (a reader asks for the form it expects), {@code key}
 * the id of the secrets key that sealed it; the three header lines are authenticated with the
 * content, so neither can be changed. Reading a file that is not sealed (written in plain text by
 * an earlier version) returns its content and rewrites it sealed; reading one sealed with a
 * previous key rewrites it with the current key. Files are replaced atomically, readable by their
 * owner only. Files the user gives (e.g. {@code --api-tls-key-file}) are never read through this
 * class: they stay as the user wrote them. Stateless besides its keys: safe from any thread.
 */
public final class SealedFiles {
  private static final Logger log = LoggerFactory.getLogger(SealedFiles.class);

  /** First line of every sealed file. */
  public static final String MAGIC = "meshfed-sealed-file: v1";

  private static final Pattern FORM = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  private static final String TRANSFORMATION = "AES/GCM/NoPadding";
  private static final int NONCE = 12;
  private static final int TAG_BITS = 128;

  private final SecretsKeyring keys;
  private final SecureRandom random;

  public SealedFiles(SecretsKeyring keys, SecureRandom random) {
    this.keys = Objects.requireNonNull(keys, "keys");
    this.random = Objects.requireNonNull(random, "random");
  }

  /** True when {@code file} starts as a sealed file does. */
  public static boolean isSealed(Path file) throws IOException {
    byte[] head = new byte[MAGIC.length()];
    try (var in = Files.newInputStream(file)) {
      return in.readNBytes(head, 0, head.length) == head.length
          && new String(head, StandardCharsets.US_ASCII).equals(MAGIC);
    }
  }

  /**
   * Seals {@code content} as {@code form} with the current key into {@code file}, replacing it
   * atomically (mode 0600 where the file system has POSIX permissions).
   *
   * @throws UncheckedIOException when the file cannot be written
   */
  public void write(Path file, String form, byte[] content) {
    checkForm(form);
    SecretsKey kek = keys.current();
    String header = header(form, kek.id());
    byte[] nonce = new byte[NONCE];
    random.nextBytes(nonce);
    byte[] sealed;
    try {
      Cipher c = Cipher.getInstance(TRANSFORMATION);
      c.init(Cipher.ENCRYPT_MODE, kek.key(), new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(header.getBytes(StandardCharsets.US_ASCII));
      sealed = c.doFinal(content);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM is not available in this JVM: " + e, e);
    }
    ByteBuffer blob = ByteBuffer.allocate(NONCE + sealed.length).put(nonce).put(sealed);
    String text = header + Base64.getEncoder().encodeToString(blob.array()) + "\n";
    try {
      replace(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e, e);
    }
  }

  /**
   * The content of {@code file}, or empty when it does not exist. A file in plain text, or sealed
   * with a previous key, is rewritten sealed with the current key.
   *
   * @throws SealedFileException when the file is sealed with a key that is not configured, does not
   *     authenticate (changed, or sealed by another key with the same id), holds another form, or
   *     is not in the sealed format although it starts like one
   * @throws UncheckedIOException when the file cannot be read or rewritten
   */
  public Optional<byte[]> read(Path file, String form) {
    checkForm(form);
    byte[] raw;
    try {
      raw = Files.readAllBytes(file);
    } catch (NoSuchFileException absent) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e, e);
    }
    String text = new String(raw, StandardCharsets.US_ASCII);
    if (!text.startsWith(MAGIC + "\n")) {
      write(file, form, raw);
      log.info(
          "{} was stored in plain text; sealed it with secrets key {}", file, keys.current().id());
      return Optional.of(raw);
    }
    String[] lines = text.split("\n", -1);
    if (lines.length < 4 || !lines[1].startsWith("form: ") || !lines[2].startsWith("key: ")) {
      throw new SealedFileException(
          file
              + " is not a complete sealed file (expected the lines '"
              + MAGIC
              + "', 'form: ...', 'key: ...' and the sealed data)");
    }
    String storedForm = lines[1].substring("form: ".length());
    String kid = lines[2].substring("key: ".length());
    if (!storedForm.equals(form)) {
      throw new SealedFileException(
          file + " holds a sealed " + storedForm + " (expected a sealed " + form + ")");
    }
    SecretsKey kek =
        keys.find(kid)
            .orElseThrow(
                () ->
                    new SealedFileException(
                        file
                            + " is sealed with secrets key "
                            + kid
                            + ", which is not configured (configured: "
                            + keys.ids()
                            + "); start with the key file that holds "
                            + kid
                            + " (--secrets-key-file or MESHFED_SECRETS_KEY, or"
                            + " --secrets-previous-key-file during a rotation)"));
    byte[] content = open(file, kek, header(storedForm, kid), lines[3]);
    if (!kid.equals(keys.current().id())) {
      write(file, form, content);
      log.info("{}: sealed again with secrets key {} (was {})", file, keys.current().id(), kid);
    }
    return Optional.of(content);
  }

  private static byte[] open(Path file, SecretsKey kek, String header, String data) {
    byte[] blob;
    try {
      blob = Base64.getDecoder().decode(data.strip());
    } catch (IllegalArgumentException e) {
      throw new SealedFileException(file + ": the sealed data is not base64", e);
    }
    if (blob.length < NONCE + TAG_BITS / 8) {
      throw new SealedFileException(
          file + ": the sealed data is truncated (" + blob.length + " bytes)");
    }
    try {
      Cipher c = Cipher.getInstance(TRANSFORMATION);
      c.init(
          Cipher.DECRYPT_MODE,
          kek.key(),
          new GCMParameterSpec(TAG_BITS, Arrays.copyOfRange(blob, 0, NONCE)));
      c.updateAAD(header.getBytes(StandardCharsets.US_ASCII));
      return c.doFinal(blob, NONCE, blob.length - NONCE);
    } catch (AEADBadTagException e) {
      throw new SealedFileException(
          file
              + " does not open with secrets key "
              + kek.id()
              + " (the file was changed, or sealed with another key)",
          e);
    } catch (GeneralSecurityException e) {
      throw new SealedFileException(file + ": cannot open: " + e, e);
    }
  }

  private static String header(String form, String kid) {
    return MAGIC + "\nform: " + form + "\nkey: " + kid + "\n";
  }

  private static void checkForm(String form) {
    if (!FORM.matcher(form).matches()) {
      throw new IllegalArgumentException(
          "sealed file form '" + form + "' (expected lowercase letters, digits and '-')");
    }
  }

  private static void replace(Path file, String text) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    String name = file.getFileName().toString();
    Path tmp =
        FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
            ? Files.createTempFile(
                dir,
                name,
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
            : Files.createTempFile(dir, name, ".tmp");
    try {
      Files.writeString(tmp, text, StandardCharsets.US_ASCII);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}

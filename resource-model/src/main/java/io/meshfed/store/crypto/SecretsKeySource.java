package io.meshfed.store.crypto;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the secrets keys come from: {@code keyFile} ({@code --secrets-key-file}) or {@code keyText}
 * ({@code MESHFED_SECRETS_KEY}), at most one; without either, {@code defaultKeyFile} (in the data
 * directory), which is generated on first start. {@code previousKeyFile} holds the key of before a
 * rotation, accepted for reads only.
 */
public record SecretsKeySource(
    Path keyFile, String keyText, Path previousKeyFile, Path defaultKeyFile) {

  /** Name of the generated key file in a data directory. */
  public static final String DEFAULT_FILE_NAME = "secrets.key";

  public SecretsKeySource {
    Objects.requireNonNull(defaultKeyFile, "defaultKeyFile");
    if (keyFile != null && keyText != null) {
      throw new IllegalArgumentException(
          "secrets-key-file and secrets-key are both set: give the secrets key one way");
    }
  }

  /** The keys, and the key file to create when none exists yet. */
  public record Resolved(SecretsKeyring keyring, Optional<Path> toCreate, String origin) {}

  /**
   * Reads the configured keys; when none is configured and the default file does not exist, a new
   * key is generated (not written yet: see {@link #create}).
   *
   * @throws IllegalArgumentException when a key file is missing or does not hold a key
   */
  public Resolved resolve(SecureRandom random) {
    SecretsKey current;
    Optional<Path> toCreate = Optional.empty();
    String origin;
    if (keyFile != null) {
      current = read(keyFile, "secrets-key-file").orElseThrow(() -> missing(keyFile));
      origin = "secrets-key-file " + keyFile;
    } else if (keyText != null) {
      current = SecretsKey.fromBase64(keyText, "secrets-key (MESHFED_SECRETS_KEY)");
      origin = "secrets-key";
    } else {
      Optional<SecretsKey> existing = read(defaultKeyFile, "the default key file");
      if (existing.isPresent()) {
        current = existing.get();
        origin = "the default key file " + defaultKeyFile;
      } else {
        current = SecretsKey.generate(random);
        toCreate = Optional.of(defaultKeyFile);
        origin =
            "a new key for "
                + defaultKeyFile
                + " (no secrets-key-file or MESHFED_SECRETS_KEY was given and that file did not"
                + " exist)";
      }
    }
    List<SecretsKey> previous = List.of();
    if (previousKeyFile != null) {
      SecretsKey old =
          read(previousKeyFile, "secrets-previous-key-file")
              .orElseThrow(() -> missing(previousKeyFile));
      if (!old.id().equals(current.id())) {
        previous = List.of(old);
      }
    }
    return new Resolved(new SecretsKeyring(current, previous), toCreate, origin);
  }

  /**
   * The keys, for sealing files ({@link SealedFiles}): like {@link #resolve}, and a generated
   * default key is written at once. A control plane whose store was opened through {@link
   * SecretsAtRest#open} already wrote it: this reads the same key back.
   *
   * @throws IllegalArgumentException when a key file is missing or does not hold a key
   */
  public SecretsKeyring keyringWritingDefault(SecureRandom random) {
    Resolved keys = resolve(random);
    if (keys.toCreate().isEmpty()) {
      return keys.keyring();
    }
    try {
      create(keys.toCreate().get(), keys.keyring().current());
      return keys.keyring();
    } catch (UncheckedIOException e) {
      if (e.getCause() instanceof FileAlreadyExistsException) {
        return resolve(random).keyring(); // created meanwhile by another start: use that key
      }
      throw e;
    }
  }

  /** Writes {@code key} to {@code file}, readable by its owner only; never replaces a file. */
  public static void create(Path file, SecretsKey key) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(
                Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
      } else {
        Files.createFile(file);
      }
      Files.writeString(file, key.toBase64(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the secrets key file " + file + ": " + e, e);
    }
    log()
        .warn(
            "generated the secrets key {} in {} (mode 0600). Anyone with this file and the store can"
                + " read every secret: keep a copy elsewhere (a lost key makes the secrets unreadable)"
                + " and, in production, keep it outside the data directory and pass it with"
                + " --secrets-key-file or MESHFED_SECRETS_KEY",
            key.id(),
            file);
  }

  private static Optional<SecretsKey> read(Path file, String what) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException absent) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + what + " " + file + ": " + e, e);
    }
    warnIfShared(file);
    return Optional.of(SecretsKey.fromBase64(text, what + " " + file));
  }

  private static void warnIfShared(Path file) {
    try {
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
        if (p.contains(PosixFilePermission.GROUP_READ)
            || p.contains(PosixFilePermission.OTHERS_READ)) {
          log()
              .warn(
                  "the secrets key file {} is readable by others ({}); chmod 600 it",
                  file,
                  PosixFilePermissions.toString(p));
        }
      }
    } catch (IOException e) {
      log().debug("cannot read the permissions of {}: {}", file, e.toString());
    }
  }

  private static IllegalArgumentException missing(Path file) {
    return new IllegalArgumentException(
        "the secrets key file "
            + file
            + " does not exist (expected 32 random bytes, base64, e.g. from `openssl rand -base64"
            + " 32`)");
  }

  /** Never shows the key text. */
  @Override
  public String toString() {
    return "SecretsKeySource{keyFile="
        + keyFile
        + ", keyText="
        + (keyText == null ? "<unset>" : "****")
        + ", previousKeyFile="
        + previousKeyFile
        + ", defaultKeyFile="
        + defaultKeyFile
        + "}";
  }

  /**
   * Made when first used (a key file's read), not with the class: a control plane reads its
   * settings, which name this class, while another thread still configures the logging.
   */
  private static Logger log() {
    return LoggerFactory.getLogger(SecretsKeySource.class);
  }
}

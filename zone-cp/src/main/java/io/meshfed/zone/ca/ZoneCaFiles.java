package io.meshfed.zone.ca;

import io.meshfed.kds.pki.Pem;
import io.meshfed.store.crypto.SealedFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A zone's intermediate CAs on disk: {@code <dir>/<mesh>/<backend>/} holds {@code key.pem} (the
 * PKCS#8 PEM key, sealed with the secrets key: {@link SealedFiles}, form {@value #KEY_FORM}, mode
 * 0600), {@code cert.pem} (the intermediate) and {@code root.pem} (the mesh root). Each file is
 * replaced atomically; the key is written last, so a half-written set is never read as whole (load
 * checks the key matches the certificate). A key file in plain text (from an earlier version) is
 * read once and sealed.
 */
final class ZoneCaFiles {
  static final String KEY = "key.pem";
  static final String CERT = "cert.pem";
  static final String ROOT = "root.pem";
  static final String KEY_FORM = "zone-ca-key";

  private final Path dir;
  private final SealedFiles sealed;

  ZoneCaFiles(Path dir, SealedFiles sealed) {
    this.dir = dir;
    this.sealed = sealed;
  }

  /**
   * Opens every stored key file (sealing those still in plain text, and those under a previous
   * secrets key with the current one), so a wrong secrets key shows at start.
   *
   * @return how many key files were opened
   * @throws io.meshfed.store.crypto.SealedFileException naming the file that does not open
   * @throws UncheckedIOException when the directory cannot be read
   */
  int openKeys() {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(dir, 3)) {
      List<Path> keys =
          files
              .filter(f -> f.getFileName().toString().equals(KEY) && Files.isRegularFile(f))
              .sorted()
              .toList();
      keys.forEach(f -> sealed.read(f, KEY_FORM));
      return keys.size();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the zone CA directory " + dir + ": " + e, e);
    }
  }

  Path dirOf(String mesh, String backend) {
    return dir.resolve(mesh).resolve(backend);
  }

  /**
   * The stored intermediate, if all three files are there.
   *
   * @throws IllegalArgumentException when a file does not hold what it should
   * @throws io.meshfed.store.crypto.SealedFileException when the key file does not open
   * @throws UncheckedIOException when a file cannot be read
   */
  Optional<ZoneIntermediate> load(String mesh, String backend) {
    Path d = dirOf(mesh, backend);
    try {
      Optional<byte[]> keyBytes = sealed.read(d.resolve(KEY), KEY_FORM);
      if (keyBytes.isEmpty()) {
        return Optional.empty();
      }
      String key = new String(keyBytes.get(), StandardCharsets.UTF_8);
      String cert = Files.readString(d.resolve(CERT), StandardCharsets.UTF_8);
      String root = Files.readString(d.resolve(ROOT), StandardCharsets.UTF_8);
      return Optional.of(
          new ZoneIntermediate(
              Pem.pkcs8PrivateKey(key, d.resolve(KEY).toString()),
              Pem.certificates(cert, d.resolve(CERT).toString()).get(0),
              Pem.certificates(root, d.resolve(ROOT).toString()).get(0)));
    } catch (NoSuchFileException absent) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the zone CA in " + d + ": " + e, e);
    }
  }

  /** Stores {@code ca}, replacing what is there. */
  void store(String mesh, String backend, ZoneIntermediate ca) {
    Path d = dirOf(mesh, backend);
    try {
      Files.createDirectories(d);
      replace(d, ROOT, ca.rootPem());
      replace(d, CERT, ca.certificatePem());
      sealed.write(
          d.resolve(KEY), KEY_FORM, Pem.privateKey(ca.key()).getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the zone CA to " + d + ": " + e, e);
    }
  }

  private static void replace(Path d, String name, String content) throws IOException {
    Path tmp = Files.createTempFile(d, name, ".tmp");
    try {
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
      Files.move(
          tmp,
          d.resolve(name),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}

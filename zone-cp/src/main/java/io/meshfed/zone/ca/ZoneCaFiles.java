package io.meshfed.zone.ca;

import io.meshfed.kds.pki.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * A zone's intermediate CAs on disk: {@code <dir>/<mesh>/<backend>/} holds {@code key.pem} (PKCS#8,
 * mode 0600), {@code cert.pem} (the intermediate) and {@code root.pem} (the mesh root). Each file
 * is replaced atomically; the key is written last, so a half-written set is never read as whole
 * (load checks the key matches the certificate).
 */
final class ZoneCaFiles {
  static final String KEY = "key.pem";
  static final String CERT = "cert.pem";
  static final String ROOT = "root.pem";

  private final Path dir;

  ZoneCaFiles(Path dir) {
    this.dir = dir;
  }

  Path dirOf(String mesh, String backend) {
    return dir.resolve(mesh).resolve(backend);
  }

  /**
   * The stored intermediate, if all three files are there.
   *
   * @throws IllegalArgumentException when a file does not hold what it should
   * @throws UncheckedIOException when a file cannot be read
   */
  Optional<ZoneIntermediate> load(String mesh, String backend) {
    Path d = dirOf(mesh, backend);
    try {
      String key = Files.readString(d.resolve(KEY), StandardCharsets.UTF_8);
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
      replace(d, ROOT, ca.rootPem(), false);
      replace(d, CERT, ca.certificatePem(), false);
      replace(d, KEY, Pem.privateKey(ca.key()), true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the zone CA to " + d + ": " + e, e);
    }
  }

  private static void replace(Path d, String name, String content, boolean secret)
      throws IOException {
    boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    Path tmp =
        secret && posix
            ? Files.createTempFile(
                d,
                name,
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
            : Files.createTempFile(d, name, ".tmp");
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

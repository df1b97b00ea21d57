package io.meshfed.global.kds.tls;

import io.meshfed.kds.pki.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Writes a CA and a KDS serving certificate signed by it as PEM files, for operators who want to
 * give several global instances (or a rebuilt global) the same identity with {@code
 * --kds-tls-cert-file} / {@code --kds-tls-key-file}, and zones the CA with {@code --ca-file}.
 */
public final class KdsCertificateFiles {
  public static final String CA = "ca.crt";
  public static final String CERT = "tls.crt";
  public static final String KEY = "tls.key";

  private KdsCertificateFiles() {}

  /** Creates {@code dir/ca.crt}, {@code dir/tls.crt} (chain) and {@code dir/tls.key}. */
  public static List<Path> write(Path dir, List<String> names, Instant now) {
    if (names.isEmpty()) {
      throw new IllegalArgumentException("at least one host name or IP address is required");
    }
    KdsCertificates.Issued ca = KdsCertificates.newCa(now);
    KdsCertificates.Issued server = KdsCertificates.newServer(ca, new LinkedHashSet<>(names), now);
    try {
      Files.createDirectories(dir);
      Path caFile = dir.resolve(CA);
      Path certFile = dir.resolve(CERT);
      Path keyFile = dir.resolve(KEY);
      Files.writeString(caFile, Pem.certificate(ca.certificate()), StandardCharsets.UTF_8);
      Files.writeString(
          certFile,
          Pem.certificate(server.certificate()) + Pem.certificate(ca.certificate()),
          StandardCharsets.UTF_8);
      Files.writeString(keyFile, Pem.privateKey(server.key()), StandardCharsets.UTF_8);
      try {
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException notPosix) {
        // the key stays with the file system's default permissions
      }
      return List.of(caFile, certFile, keyFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write certificates to " + dir, e);
    }
  }
}

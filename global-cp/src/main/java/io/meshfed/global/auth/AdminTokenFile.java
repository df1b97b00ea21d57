package io.meshfed.global.auth;

import io.meshfed.api.auth.InvalidTokenException;
import io.meshfed.api.auth.Principal;
import io.meshfed.api.auth.UserTokenVerifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first admin credential: {@code DATA_DIR/admin-user-token}, a user token in {@value
 * Principal#ADMIN_GROUP} readable by the file's owner only. Written at start when absent or no
 * longer valid (expired, revoked, or signed with another key), so an operator who turned anonymous
 * admin off can still mint the first tokens. Kuma keeps the same thing in a GlobalSecret.
 */
public final class AdminTokenFile {
  private static final Logger log = LoggerFactory.getLogger(AdminTokenFile.class);

  public static final String FILE_NAME = "admin-user-token";
  static final Duration VALIDITY = Duration.ofDays(365);
  static final String ADMIN_NAME = "admin";

  private AdminTokenFile() {}

  /** The file's path after making sure it holds a token {@code verifier} accepts. */
  public static Path ensure(Path dataDir, UserTokenIssuer issuer, UserTokenVerifier verifier) {
    Path file = dataDir.resolve(FILE_NAME);
    try {
      if (Files.isRegularFile(file)) {
        String current = Files.readString(file, StandardCharsets.US_ASCII).strip();
        try {
          if (verifier.verify(current).isAdmin()) {
            return file;
          }
        } catch (InvalidTokenException e) {
          log.info("{}: {}; writing a new admin token", file, e.getMessage());
        }
      }
      Files.createDirectories(dataDir);
      UserTokenIssuer.Issued issued =
          issuer.issue(ADMIN_NAME, Set.of(Principal.ADMIN_GROUP), VALIDITY);
      Path tmp = Files.createTempFile(dataDir, FILE_NAME, ".tmp");
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException notPosix) {
        log.warn("{}: cannot restrict the file's permissions on this file system", file);
      }
      Files.writeString(tmp, issued.token() + "\n", StandardCharsets.US_ASCII);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      log.info(
          "wrote an admin user token (id {}, valid until {}) to {}",
          issued.id(),
          issued.expiry(),
          file);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the admin user token to " + file, e);
    }
  }
}

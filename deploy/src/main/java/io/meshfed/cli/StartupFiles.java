package io.meshfed.cli;

import io.meshfed.global.GlobalConfig;
import io.meshfed.global.auth.AdminTokenFile;
import io.meshfed.global.kds.tls.KdsTlsMaterial;
import io.meshfed.store.crypto.SecretsKeySource;
import io.meshfed.zone.ZoneConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files a control plane's operator must keep or hand on, with absolute paths, logged once the
 * control plane has started (and written them): global's KDS CA certificate (zones' {@code
 * --ca-file}), its admin user token, and every role's secrets key.
 *
 * @param role {@code global} or {@code zone NAME}, for the log line
 * @param files what each file is for, and where it is
 */
record StartupFiles(String role, List<File> files) {
  private static final Logger log = LoggerFactory.getLogger(StartupFiles.class);

  /** One file: what it is for, and its absolute path (or where the value comes from instead). */
  record File(String purpose, String location) {
    File {
      Objects.requireNonNull(purpose, "purpose");
      Objects.requireNonNull(location, "location");
    }
  }

  StartupFiles {
    Objects.requireNonNull(role, "role");
    files = List.copyOf(files);
  }

  static StartupFiles forGlobal(GlobalConfig config) {
    List<File> files = new ArrayList<>();
    if (config.kdsTlsCertFile() == null) {
      files.add(
          new File(
              "KDS CA certificate (give it to zones: --ca-file)",
              absolute(config.dataDir().resolve(KdsTlsMaterial.CA_FILE_NAME))));
    }
    files.add(
        new File(
            "REST API admin user token (meshfed --token or MESHFED_API_TOKEN)",
            absolute(config.dataDir().resolve(AdminTokenFile.FILE_NAME))));
    files.add(secretsKey(config.secretsKeys()));
    return new StartupFiles("global", files);
  }

  static StartupFiles forZone(ZoneConfig config) {
    return new StartupFiles(
        "zone " + config.zone(),
        List.of(
            new File(
                "zone CA keys (sealed with the secrets key)",
                absolute(config.dataDir().resolve("ca"))),
            secretsKey(config.secretsKeys())));
  }

  private static File secretsKey(SecretsKeySource keys) {
    String purpose = "secrets key (keep a copy elsewhere: without it stored secrets are lost)";
    if (keys.keyText() != null) {
      return new File(purpose, "given as secrets-key (MESHFED_SECRETS_KEY), no file");
    }
    return new File(
        purpose, absolute(keys.keyFile() != null ? keys.keyFile() : keys.defaultKeyFile()));
  }

  private static String absolute(Path p) {
    return p.toAbsolutePath().normalize().toString();
  }

  /** The lines {@link #log()} writes, one per file. */
  List<String> lines() {
    return files.stream().map(f -> f.purpose() + ": " + f.location()).toList();
  }

  void log() {
    log.info(
        "{} control plane: files to keep or pass on:\n  {}", role, String.join("\n  ", lines()));
  }
}

package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.global.GlobalConfig;
import io.meshfed.zone.ZoneConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StartupFilesTest {
  @TempDir Path dir;

  private static String abs(String relative) {
    return Path.of(relative).toAbsolutePath().normalize().toString();
  }

  @Test
  void globalNamesTheKdsCaTheAdminTokenAndTheSecretsKeyWithAbsolutePaths() {
    StartupFiles files = StartupFiles.forGlobal(GlobalConfig.defaults());

    assertThat(files.lines())
        .containsExactly(
            "KDS CA certificate (give it to zones: --ca-file): "
                + abs(".meshfed/global/kds-ca.crt"),
            "REST API admin user token (meshfed --token or MESHFED_API_TOKEN): "
                + abs(".meshfed/global/admin-user-token"),
            "secrets key (keep a copy elsewhere: without it stored secrets are lost): "
                + abs(".meshfed/global/secrets.key"));
    assertThat(files.lines()).allSatisfy(l -> assertThat(l).doesNotContain("/./", "/../"));
  }

  @Test
  void operatorKdsFilesAndAKeyFromTheEnvironmentAreNotListedAsFiles() throws Exception {
    Path cert = Files.writeString(dir.resolve("kds.crt"), "x");
    Path key = Files.writeString(dir.resolve("kds.key"), "x");
    GlobalConfig config =
        GlobalConfig.load(
            Map.of("kds-tls-cert-file", cert.toString(), "kds-tls-key-file", key.toString()),
            Map.of("MESHFED_SECRETS_KEY", "AAAA"),
            null);

    assertThat(StartupFiles.forGlobal(config).lines())
        .containsExactly(
            "REST API admin user token (meshfed --token or MESHFED_API_TOKEN): "
                + abs(".meshfed/global/admin-user-token"),
            "secrets key (keep a copy elsewhere: without it stored secrets are lost): given as"
                + " secrets-key (MESHFED_SECRETS_KEY), no file");
  }

  @Test
  void aZoneNamesItsCaDirectoryAndItsSecretsKey() throws Exception {
    Path token = Files.writeString(dir.resolve("zone.token"), "t");
    ZoneConfig config =
        ZoneConfig.load(
            Map.of(
                "zone", "zone-1",
                "global-address", "grpcs://127.0.0.1:5685",
                "zone-token-file", token.toString(),
                "secrets-key-file", "keys/../keys/zone.key"),
            Map.of(),
            null);

    StartupFiles files = StartupFiles.forZone(config);

    assertThat(files.role()).isEqualTo("zone zone-1");
    assertThat(files.lines())
        .containsExactly(
            "zone CA keys (sealed with the secrets key): " + abs(".meshfed/zone-zone-1/ca"),
            "secrets key (keep a copy elsewhere: without it stored secrets are lost): "
                + abs("keys/zone.key"));
  }
}

package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.global.kds.auth.VerifiedToken;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code meshfed generate zone-token}, run in-process against a real global control plane. */
class GenerateCommandIT {
  @TempDir static Path dir;
  private static GlobalControlPlane global;
  private static String api;

  @BeforeAll
  static void startGlobal() {
    GlobalConfig config =
        GlobalConfig.load(
            Map.of("api-port", "0", "kds-port", "0", "data-dir", dir.resolve("data").toString()),
            Map.of(),
            null);
    global = new GlobalControlPlane(config, new MemoryResourceStore(), Clock.systemUTC()).start();
    api = "http://127.0.0.1:" + global.apiPort();
  }

  @AfterAll
  static void stopGlobal() {
    global.close();
  }

  record Run(int exitCode, String stdout, String stderr) {}

  private static synchronized Run meshfed(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int code = Main.run(args);
      return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  @Test
  void printsATokenForTheZone() {
    Run r =
        meshfed("generate", "zone-token", "--zone", "zone-1", "--valid-for", "2h", "--api", api);

    assertThat(r.exitCode()).as(r.stderr()).isZero();
    assertThat(r.stdout().lines()).hasSize(1);
    VerifiedToken v = global.zoneTokenVerifier().verify(r.stdout().strip());
    assertThat(v.zone()).isEqualTo("zone-1");
    assertThat(Duration.between(v.issuedAt(), v.expiry())).isEqualTo(Duration.ofHours(2));
  }

  private static String printedId(Run generated) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("token id: (\\S+)").matcher(generated.stderr());
    assertThat(m.find()).as(generated.stderr()).isTrue();
    return m.group(1);
  }

  @Test
  void revokesATokenByTheIdGeneratePrinted() {
    Run generated = meshfed("generate", "zone-token", "--zone", "zone-3", "--api", api);
    String token = generated.stdout().strip();
    String id = printedId(generated);
    assertThat(global.zoneTokenVerifier().verify(token).jti()).isEqualTo(id);

    Run revoked = meshfed("revoke", "zone-token", "--id", id, "--api", api);

    assertThat(revoked.exitCode()).as(revoked.stderr()).isZero();
    assertThat(revoked.stdout()).contains("zone token " + id + " revoked");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> global.zoneTokenVerifier().verify(token))
        .hasMessageContaining("was revoked");
    Run bad = meshfed("revoke", "zone-token", "--id", "not valid!", "--api", api);
    assertThat(bad.exitCode()).isNotZero();
    assertThat(bad.stderr()).contains("is not a token id");
  }

  @Test
  void rotatesTheSigningKeyWithAnOverlapThenFinishes() {
    String before = meshfed("generate", "zone-token", "--zone", "zone-4", "--api", api).stdout();

    Run rotated = meshfed("rotate", "zone-token-signing-key", "--api", api);
    String after = meshfed("generate", "zone-token", "--zone", "zone-4", "--api", api).stdout();

    assertThat(rotated.exitCode()).as(rotated.stderr()).isZero();
    assertThat(rotated.stdout()).contains("now signed with key 2");
    assertThat(global.zoneTokenVerifier().verify(before.strip()).kid()).isEqualTo("1");
    assertThat(global.zoneTokenVerifier().verify(after.strip()).kid()).isEqualTo("2");

    Run finished = meshfed("rotate", "zone-token-signing-key", "--finish", "--api", api);

    assertThat(finished.exitCode()).as(finished.stderr()).isZero();
    assertThat(finished.stdout()).contains("removed zone token signing key 1");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> global.zoneTokenVerifier().verify(before.strip()))
        .hasMessageContaining("does not know");
    assertThat(global.zoneTokenVerifier().verify(after.strip()).zone()).isEqualTo("zone-4");
  }

  @Test
  void theDefaultValidityIsOneYear() {
    Run r = meshfed("generate", "zone-token", "--zone", "zone-2", "--api", api);

    VerifiedToken v = global.zoneTokenVerifier().verify(r.stdout().strip());
    assertThat(Duration.between(v.issuedAt(), v.expiry())).isEqualTo(Duration.ofDays(365));
  }

  @Test
  void aBadZoneOrDurationIsExplained() {
    Run r =
        meshfed("generate", "zone-token", "--zone", "Zone_1", "--valid-for", "soon", "--api", api);

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.stdout()).isEmpty();
    assertThat(r.stderr())
        .contains("cannot generate a zone token")
        .contains("zone: 'Zone_1' is not a valid DNS label")
        .contains("validFor: 'soon' is not a duration");
  }

  @Test
  void theZoneIsRequired() {
    Run r = meshfed("generate", "zone-token", "--api", api);

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.stderr()).contains("Missing required option: '--zone=NAME'");
  }

  @Test
  void anUnreachableApiSaysWhereItLooked() {
    String nowhere = "http://127.0.0.1:" + FreePorts.one();

    Run r = meshfed("generate", "zone-token", "--zone", "zone-1", "--api", nowhere);

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.stderr()).contains("cannot reach the control plane API at " + nowhere);
  }
}

package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.api.auth.Principal;
import io.meshfed.api.auth.UserTokenRevocations;
import io.meshfed.api.auth.UserTokenSecrets;
import io.meshfed.api.auth.UserTokenVerifier;
import io.meshfed.api.auth.WatchedGlobalSecrets;
import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.global.auth.AdminTokenFile;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.MeshfedProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshfed generate user-token} and the CLI's token sources ({@code --token}, {@code
 * MESHFED_API_TOKEN}, the CLI config file), in-process against a real global control plane whose
 * API accepts no anonymous caller, not even from loopback.
 */
class UserTokenCliIT {
  @TempDir static Path dir;
  private static MemoryResourceStore store;
  private static GlobalControlPlane global;
  private static String api;
  private static String adminToken;

  @BeforeAll
  static void startGlobal() throws Exception {
    GlobalConfig config =
        GlobalConfig.load(
            Map.of(
                "api-port", "0",
                "kds-port", "0",
                "api-anonymous-admin-from-loopback", "false",
                "data-dir", dir.resolve("data").toString()),
            Map.of(),
            null);
    store = new MemoryResourceStore();
    global = new GlobalControlPlane(config, store, Clock.systemUTC()).start();
    api = "http://127.0.0.1:" + global.apiPort();
    adminToken = Files.readString(dir.resolve("data").resolve(AdminTokenFile.FILE_NAME)).strip();
  }

  @AfterAll
  static void stopGlobal() {
    global.close();
  }

  record Run(int exitCode, String stdout, String stderr) {}

  /** The CLI with only {@code env} as its environment (HOME is a fresh directory). */
  private static synchronized Run meshfed(Map<String, String> env, String... args) {
    Map<String, String> all = new HashMap<>(env);
    all.putIfAbsent("HOME", dir.resolve("home").toString());
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int code = Main.run(all, args);
      return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
      CliEnvironment.use(System.getenv());
    }
  }

  /** Verifies {@code token} as global does: its key, and its revocation list from the store. */
  private static Principal verify(String token) {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try (WatchedGlobalSecrets secrets =
        UserTokenSecrets.watch(store, Clock.systemUTC(), timer)
            .awaitLoaded(Duration.ofSeconds(10))) {
      return UserTokenVerifier.forKey(
              global.userTokenIssuer().signingKey().kid(),
              global.userTokenIssuer().signingKey().publicKey(),
              new UserTokenRevocations(secrets)::isRevoked,
              Clock.systemUTC())
          .verify(token);
    } finally {
      timer.shutdownNow();
    }
  }

  @Test
  void generatesAUserTokenWithNameGroupsAndValidity() {
    Run r =
        meshfed(
            Map.of(),
            "generate",
            "user-token",
            "--name",
            "jane",
            "--group",
            "team-a",
            "--group",
            "team-b",
            "--valid-for",
            "2h",
            "--api",
            api,
            "--token",
            adminToken);

    assertThat(r.exitCode()).as(r.stderr()).isZero();
    assertThat(r.stdout().lines()).hasSize(1);
    Principal p = verify(r.stdout().strip());
    assertThat(p.name()).isEqualTo("jane");
    assertThat(p.groups()).contains("team-a", "team-b").doesNotContain(Principal.ADMIN_GROUP);
  }

  @Test
  void withoutATokenTheCliSaysHowToPassOne() {
    Run r = meshfed(Map.of(), "get", "meshes", "--api", api);

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.stderr()).contains("Unauthorized", "--token", "MESHFED_API_TOKEN");
  }

  @Test
  void theTokenComesFromTheFlagTheEnvironmentOrTheConfigFile() throws Exception {
    assertThat(meshfed(Map.of(), "get", "meshes", "--api", api, "--token", adminToken).exitCode())
        .isZero();

    Run env = meshfed(Map.of("MESHFED_API_TOKEN", adminToken), "get", "meshes", "--api", api);
    assertThat(env.exitCode()).as(env.stderr()).isZero();

    Path config = dir.resolve("cli.yaml");
    Files.writeString(config, "api: " + api + "\ntoken: " + adminToken + "\n");
    Run file = meshfed(Map.of("MESHFED_CLI_CONFIG", config.toString()), "get", "meshes");
    assertThat(file.exitCode()).as(file.stderr()).isZero();

    Path home = dir.resolve("home-with-config");
    Files.createDirectories(home.resolve(".meshfed"));
    Files.writeString(
        home.resolve(".meshfed").resolve("config.yaml"),
        "api: " + api + "\ntoken: " + adminToken + "\n");
    Run homeFile = meshfed(Map.of("HOME", home.toString()), "get", "meshes");
    assertThat(homeFile.exitCode()).as(homeFile.stderr()).isZero();
  }

  @Test
  void theFlagWinsOverTheEnvironment() {
    Run r =
        meshfed(
            Map.of("MESHFED_API_TOKEN", adminToken),
            "get",
            "meshes",
            "--api",
            api,
            "--token",
            "not-a-token");

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.stderr()).contains("Unauthorized");
  }

  @Test
  void aNonAdminTokenCannotMintTokens() {
    String jane =
        meshfed(
                Map.of(),
                "generate",
                "user-token",
                "--name",
                "jane",
                "--api",
                api,
                "--token",
                adminToken)
            .stdout()
            .strip();

    Run r =
        meshfed(Map.of(), "generate", "user-token", "--name", "x", "--api", api, "--token", jane);

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.stderr()).contains("Forbidden", Principal.ADMIN_GROUP);
  }

  @Test
  void aConfigFileWithAnUnknownKeyIsAnError() throws Exception {
    Path config = dir.resolve("bad.yaml");
    Files.writeString(config, "api: " + api + "\ntokn: x\n");

    Run r = meshfed(Map.of("MESHFED_CLI_CONFIG", config.toString()), "get", "meshes");

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.stderr()).contains("unknown key 'tokn'", config.toString());
  }

  @Test
  void globalRunRefusesANonLoopbackApiWhileAnonymousAdminIsOn() {
    MeshfedProcess.Result r =
        MeshfedProcess.run(
            null,
            "global",
            "run",
            "--api-address",
            "0.0.0.0",
            "--api-port",
            "0",
            "--kds-port",
            "0",
            "--data-dir",
            dir.resolve("refused").toString());

    assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isEqualTo(2);
    assertThat(r.stdout() + r.stderr())
        .contains("0.0.0.0", "api-anonymous-admin-from-loopback", "127.0.0.1");
    assertThat(dir.resolve("refused").resolve(AdminTokenFile.FILE_NAME)).doesNotExist();
  }
}

package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.testing.EnvoyBinary;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.MeshfedProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshfed dp run} registers its Dataplane again when the zone lost it: a real global, a real
 * zone on the memory store that is killed and started again empty, a real launcher with Envoy.
 */
class DataplaneReRegistrationIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;
  private final List<MeshfedProcess> processes = new ArrayList<>();

  @AfterEach
  void stopAll() throws InterruptedException {
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).close();
    }
  }

  private MeshfedProcess start(String log, String... args) {
    MeshfedProcess p = MeshfedProcess.start(dir.resolve(log), args);
    processes.add(p);
    return p;
  }

  @Test
  void aDataplaneTheRestartedZoneLostIsRegisteredAgain() throws Exception {
    int globalPort = FreePorts.one();
    int kdsPort = FreePorts.one();
    String globalApi = "http://127.0.0.1:" + globalPort;
    Path globalData = dir.resolve("global-data");
    start(
            "global.log",
            "global",
            "run",
            "--api-port",
            String.valueOf(globalPort),
            "--kds-port",
            String.valueOf(kdsPort),
            "--data-dir",
            globalData.toString())
        .awaitReady(globalApi);
    MeshfedProcess.Result apply =
        MeshfedProcess.run("type: Mesh\nname: default\n", "apply", "-f", "-", "--api", globalApi);
    assertThat(apply.exitCode()).as(apply.stderr()).isZero();
    MeshfedProcess.Result token =
        MeshfedProcess.run(null, "generate", "zone-token", "--zone", "zone-1", "--api", globalApi);
    assertThat(token.exitCode()).as(token.stderr()).isZero();
    Path tokenFile = Files.writeString(dir.resolve("zone-1.token"), token.stdout().strip());

    int zonePort = FreePorts.one();
    String zoneApi = "http://127.0.0.1:" + zonePort;
    String[] zoneArgs = {
      "zone",
      "run",
      "--zone",
      "zone-1",
      "--global-address",
      "grpcs://127.0.0.1:" + kdsPort,
      "--zone-token-file",
      tokenFile.toString(),
      "--ca-file",
      globalData.resolve("kds-ca.crt").toString(),
      "--api-port",
      String.valueOf(zonePort),
      "--xds-port",
      String.valueOf(FreePorts.one()),
      "--store",
      "memory",
      "--data-dir",
      dir.resolve("zone-1-data").toString(),
      // A zone on a memory store loses its dataplane-token signing key with its store, so no
      // token outlives the restart this test is about: tokens are not what it checks.
      "--dp-token-required",
      "false"
    };
    MeshfedProcess zone = start("zone-1.log", zoneArgs).awaitReady(zoneApi);

    Path file =
        Files.writeString(
            dir.resolve("web-1.yaml"),
            """
            type: Dataplane
            mesh: default
            name: web-1
            networking:
              address: 127.0.0.1
              inbound:
              - port: 18080
                servicePort: 8080
                tags:
                  kuma.io/service: web
            """);
    MeshfedProcess dp =
        start(
            "dp-web-1.log",
            "dp",
            "run",
            "--cp-address",
            zoneApi,
            "--mesh",
            "default",
            "--name",
            "web-1",
            "--dataplane-file",
            file.toString(),
            "--xds-address",
            "127.0.0.1:" + FreePorts.one(),
            "--admin-port",
            String.valueOf(FreePorts.one()),
            "--envoy-binary",
            EnvoyBinary.path().toString(),
            "--envoy-log-level",
            "warning",
            "--registration-check-interval",
            "1");
    String web1 = zoneApi + "/meshes/default/dataplanes/web-1";
    await("web-1 registered").atMost(WAIT).until(() -> status(web1) == 200);

    // The zone dies and comes back on an empty (memory) store.
    zone.kill();
    MeshfedProcess restarted = start("zone-1-again.log", zoneArgs).awaitReady(zoneApi);
    await("web-1 registered again by dp run").atMost(WAIT).until(() -> status(web1) == 200);
    assertThat(dp.isAlive()).as(dp.logText()).isTrue();
    await("dp run logs why").atMost(WAIT).until(() -> dp.logText().contains("registered again"));
    await("web-1 on global again")
        .atMost(WAIT)
        .until(() -> status(globalApi + "/meshes/default/dataplanes/zone-1.web-1") == 200);

    dp.close();
    assertThat(dp.exitCode()).as(dp.logText()).hasValue(0);
    assertThat(status(web1)).isEqualTo(404);
    assertThat(restarted.isAlive()).isTrue();
  }

  /** The HTTP status of {@code GET url}, or -1 when it does not answer within 5 s. */
  private static int status(String url) {
    return HaDemoProcesses.status(url, Duration.ofSeconds(5));
  }
}

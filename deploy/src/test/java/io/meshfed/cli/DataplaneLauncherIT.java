package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.testing.EnvoyBinary;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.MeshfedProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshfed dp run} as an operator runs it: a real global and zone (processes of the shaded
 * jar), a real Envoy under the launcher. Envoy dials an xDS address where nothing listens: it runs
 * and retries, which is all the launcher needs.
 */
class DataplaneLauncherIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir static Path dir;
  private static MeshfedProcess global;
  private static MeshfedProcess zone;
  private static String zoneApi;
  private static String globalApi;
  private static int zoneXdsPort;

  @BeforeAll
  static void startGlobalAndZone() throws IOException {
    int globalPort = FreePorts.one();
    int kdsPort = FreePorts.one();
    globalApi = "http://127.0.0.1:" + globalPort;
    Path globalData = dir.resolve("global-data");
    global =
        MeshfedProcess.start(
                dir.resolve("global.log"),
                "global",
                "run",
                "--api-port",
                String.valueOf(globalPort),
                "--kds-port",
                String.valueOf(kdsPort),
                "--data-dir",
                globalData.toString())
            .awaitReady(globalApi);
    MeshfedProcess.Result token =
        MeshfedProcess.run(null, "generate", "zone-token", "--zone", "zone-1", "--api", globalApi);
    assertThat(token.exitCode()).as(token.stderr()).isZero();
    Path tokenFile = Files.writeString(dir.resolve("zone-1.token"), token.stdout().strip());

    int zonePort = FreePorts.one();
    zoneApi = "http://127.0.0.1:" + zonePort;
    zone =
        MeshfedProcess.start(
                dir.resolve("zone-1.log"),
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
                String.valueOf(zoneXdsPort = FreePorts.one()),
                "--data-dir",
                dir.resolve("zone-1-data").toString())
            .awaitReady(zoneApi);

    MeshfedProcess.Result apply =
        MeshfedProcess.run("type: Mesh\nname: default\n", "apply", "-f", "-", "--api", globalApi);
    assertThat(apply.exitCode()).as(apply.stderr()).isZero();
    await("mesh 'default' reaches zone-1")
        .atMost(WAIT)
        .until(() -> status(zoneApi + "/meshes/default") == 200);
  }

  @AfterAll
  static void stopControlPlanes() throws InterruptedException {
    if (zone != null) {
      zone.close();
    }
    if (global != null) {
      global.close();
    }
  }

  @Test
  void registersRunsAndRestartsEnvoyThenDeregistersOnSigterm() throws Exception {
    int adminPort = FreePorts.one();
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
        MeshfedProcess.start(
            dir.resolve("dp-web-1.log"),
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
            "--dataplane-token-file",
            dataplaneTokenFile(zoneApi, dir, "default", "web-1"),
            "--xds-address",
            "127.0.0.1:" + FreePorts.one(),
            "--admin-port",
            String.valueOf(adminPort),
            "--envoy-binary",
            EnvoyBinary.path().toString(),
            "--envoy-log-level",
            "warning");
    long firstEnvoy;
    long secondEnvoy;
    try {
      await("Dataplane web-1 in the zone API")
          .atMost(WAIT)
          .until(() -> status(zoneApi + "/meshes/default/dataplanes/web-1") == 200);
      firstEnvoy = awaitEnvoy(dp, adminPort, Optional.empty());

      ProcessHandle.of(firstEnvoy).ifPresent(ProcessHandle::destroyForcibly);

      secondEnvoy = awaitEnvoy(dp, adminPort, Optional.of(firstEnvoy));
      assertThat(secondEnvoy).isNotEqualTo(firstEnvoy);
      assertThat(dp.logText()).contains("restart #1 in 1s");
    } finally {
      dp.close(); // SIGTERM, SIGKILL after 20 s
    }

    assertThat(dp.exitCode()).as(dp.logText()).hasValue(0);
    assertThat(status(zoneApi + "/meshes/default/dataplanes/web-1")).isEqualTo(404);
    assertThat(ProcessHandle.of(secondEnvoy).map(ProcessHandle::isAlive))
        .isNotEqualTo(Optional.of(true));
    assertThat(dp.logText())
        .contains("deregistered")
        .contains("stopped")
        .as("Envoy stops on SIGTERM, it is not killed")
        .doesNotContain("killing it");
  }

  /**
   * Issue 12, dataplane metrics end to end: a Mesh with a prometheus backend applied on global, a
   * Dataplane with {@code networking.admin.port} run by {@code dp run} against the zone's xDS port;
   * the sidecar serves Prometheus text on the metrics port and nothing else of its admin API.
   */
  @Test
  void aMeshMetricsBackendGivesTheSidecarAPrometheusEndpoint() throws Exception {
    int adminPort = FreePorts.one();
    int metricsPort = FreePorts.one();
    MeshfedProcess.Result apply =
        MeshfedProcess.run(
            """
            type: Mesh
            name: observed
            metrics:
              enabledBackend: prom-1
              backends:
              - name: prom-1
                type: prometheus
                conf: {port: %d, path: /metrics, skipMTLS: true}
            """
                .formatted(metricsPort),
            "apply",
            "-f",
            "-",
            "--api",
            globalApi);
    assertThat(apply.exitCode()).as(apply.stderr()).isZero();
    await("mesh 'observed' reaches zone-1")
        .atMost(WAIT)
        .until(() -> status(zoneApi + "/meshes/observed") == 200);
    Path file =
        Files.writeString(
            dir.resolve("metrics-1.yaml"),
            """
            type: Dataplane
            mesh: observed
            name: metrics-1
            networking:
              address: 127.0.0.1
              inbound:
              - port: %d
                servicePort: 8082
                tags:
                  kuma.io/service: metrics-web
            """
                .formatted(FreePorts.one()));
    MeshfedProcess dp =
        MeshfedProcess.start(
            dir.resolve("dp-metrics-1.log"),
            "dp",
            "run",
            "--cp-address",
            zoneApi,
            "--mesh",
            "observed",
            "--name",
            "metrics-1",
            "--dataplane-file",
            file.toString(),
            "--dataplane-token-file",
            dataplaneTokenFile(zoneApi, dir, "observed", "metrics-1"),
            "--xds-address",
            "127.0.0.1:" + zoneXdsPort,
            "--admin-port",
            String.valueOf(adminPort),
            "--envoy-binary",
            EnvoyBinary.path().toString(),
            "--envoy-log-level",
            "warning");
    try {
      String metrics = "http://127.0.0.1:" + metricsPort;
      await("Prometheus text on " + metrics + "/metrics")
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .until(() -> body(metrics + "/metrics"), b -> b.contains("envoy_server_live"));
      assertThat(body(metrics + "/metrics")).contains("envoy_cluster_upstream_rq_total");
      assertThat(status(metrics + "/config_dump")).isEqualTo(404);
      assertThat(status(metrics + "/quitquitquit")).isEqualTo(404);
      assertThat(status("http://127.0.0.1:" + adminPort + "/ready")).isEqualTo(200);
    } finally {
      dp.close();
    }
    assertThat(dp.exitCode()).as(dp.logText()).hasValue(0);
  }

  private static String body(String url) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 ? r.body() : "HTTP " + r.statusCode();
  }

  @Test
  void aDataplaneInAMeshThatDoesNotExistIsRefusedAndNoEnvoyStarts() throws Exception {
    Path marker = dir.resolve("envoy-was-started");
    Path fakeEnvoy = dir.resolve("envoy-marker.sh");
    Files.writeString(
        fakeEnvoy, "#!/bin/sh\ntouch '" + marker + "'\nexec '" + EnvoyBinary.path() + "' \"$@\"\n");
    Files.setPosixFilePermissions(fakeEnvoy, PosixFilePermissions.fromString("rwx------"));
    String dataplane =
        """
        type: Dataplane
        mesh: nowhere
        name: lost-1
        networking:
          address: 127.0.0.1
          inbound:
          - port: 18081
            servicePort: 8081
            tags:
              kuma.io/service: lost
        """;

    MeshfedProcess.Result r =
        MeshfedProcess.run(
            dataplane,
            "dp",
            "run",
            "--cp-address",
            zoneApi,
            "--mesh",
            "nowhere",
            "--name",
            "lost-1",
            "--dataplane-file",
            "-",
            "--dataplane-token-file",
            dataplaneTokenFile(zoneApi, dir, "nowhere", "lost-1"),
            "--xds-address",
            "127.0.0.1:" + FreePorts.one(),
            "--envoy-binary",
            fakeEnvoy.toString());

    assertThat(r.exitCode()).as(r.stderr()).isEqualTo(1);
    assertThat(r.stderr())
        .contains("Error: the control plane refused Dataplane 'nowhere/lost-1'")
        .contains("HTTP 400")
        .contains("- mesh: ")
        .contains("nowhere");
    assertThat(marker).doesNotExist();
    assertThat(status(zoneApi + "/meshes/nowhere/dataplanes/lost-1")).isNotEqualTo(200);
  }

  /**
   * Waits until the launcher has exactly one live descendant, other than {@code previous}, and
   * Envoy's admin API answers; returns that descendant's pid.
   */
  private static long awaitEnvoy(MeshfedProcess dp, int adminPort, Optional<Long> previous) {
    long[] pid = new long[1];
    await("an Envoy under the launcher, admin on " + adminPort)
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              assertThat(dp.isAlive()).as("launcher alive; log:\n%s", dp.logText()).isTrue();
              List<ProcessHandle> envoys =
                  ProcessHandle.of(dp.pid())
                      .orElseThrow()
                      .descendants()
                      .filter(ProcessHandle::isAlive)
                      .toList();
              if (envoys.size() != 1 || previous.equals(Optional.of(envoys.get(0).pid()))) {
                return false;
              }
              pid[0] = envoys.get(0).pid();
              return status("http://127.0.0.1:" + adminPort + "/server_info") == 200;
            });
    return pid[0];
  }

  /** The HTTP status of {@code GET url}, or -1 when it does not answer within 5 s. */
  private static int status(String url) {
    return HaDemoProcesses.status(url, Duration.ofSeconds(5));
  }

  /** A dataplane token file from the zone, as `meshfed generate dataplane-token` prints it. */
  private static String dataplaneTokenFile(String api, Path dir, String mesh, String name)
      throws IOException {
    MeshfedProcess.Result r =
        MeshfedProcess.run(
            null, "generate", "dataplane-token", "--mesh", mesh, "--name", name, "--api", api);
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    return Files.writeString(dir.resolve(mesh + "-" + name + ".token"), r.stdout().strip())
        .toString();
  }
}

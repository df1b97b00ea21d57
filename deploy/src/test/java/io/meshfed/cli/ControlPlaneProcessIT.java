package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.testing.FreePorts;
import io.meshfed.testing.MeshfedProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code global run} and {@code zone run} as real processes: the data directory lock whatever the
 * store, the exit status of a SIGTERM, the files logged at start, and the default ports that let
 * global and a zone share a host.
 */
class ControlPlaneProcessIT {
  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  private int status(String url) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create(url)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private MeshfedProcess global(String log, Path dataDir, String... extra) {
    List<Integer> ports = FreePorts.several(2);
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "global",
                "run",
                "--api-port",
                ports.get(0).toString(),
                "--kds-port",
                ports.get(1).toString(),
                "--data-dir",
                dataDir.toString()));
    args.addAll(List.of(extra));
    MeshfedProcess p = MeshfedProcess.start(dir.resolve(log), args.toArray(String[]::new));
    p.awaitReady("http://127.0.0.1:" + ports.get(0));
    apiPort = ports.get(0);
    return p;
  }

  private int apiPort;

  /** SIGTERM, then the exit status (close() waits for the process to end). */
  private static int terminate(MeshfedProcess p) throws InterruptedException {
    p.close();
    return p.exitCode().orElseThrow();
  }

  /**
   * Starts {@code meshfed ARGS}, which must exit by itself with status 1 within a minute (a process
   * that starts instead is stopped, and the test fails).
   */
  private MeshfedProcess refused(String log, String... args) throws InterruptedException {
    MeshfedProcess p = MeshfedProcess.start(dir.resolve(log), args);
    try {
      await("meshfed " + args[0] + " " + args[1] + " refused")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> !p.isAlive());
    } finally {
      p.close();
    }
    assertThat(p.exitCode()).as(p.logText()).hasValue(1);
    return p;
  }

  @Test
  void sigtermStopsGlobalCleanlyExitsZeroAndTheStoreKeepsWhatWasWritten() throws Exception {
    Path data = dir.resolve("global");
    MeshfedProcess first = global("global-1.log", data);
    String api = "http://127.0.0.1:" + apiPort;
    HttpResponse<String> put =
        http.send(
            HttpRequest.newBuilder(URI.create(api + "/meshes/kept"))
                .header("Content-Type", "application/yaml")
                .PUT(HttpRequest.BodyPublishers.ofString("type: Mesh\nname: kept\n"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isBetween(200, 201);

    assertThat(terminate(first)).as(first.logText()).isZero();
    assertThat(first.logText())
        .contains("global control plane: stopping (signal received)")
        .contains("stopped")
        .doesNotContain("while stopping")
        .doesNotContain("Exception");
    // the files an operator passes on, with absolute paths
    assertThat(first.logText())
        .contains("files to keep or pass on")
        .contains("--ca-file): " + data.toAbsolutePath().resolve("kds-ca.crt"))
        .contains("MESHFED_API_TOKEN): " + data.toAbsolutePath().resolve("admin-user-token"))
        .contains("are lost): " + data.toAbsolutePath().resolve("secrets.key"));

    // the embedded store was closed cleanly: a new process opens it and finds the mesh
    MeshfedProcess second = global("global-2.log", data);
    assertThat(status("http://127.0.0.1:" + apiPort + "/meshes/kept")).isEqualTo(200);
    assertThat(terminate(second)).as(second.logText()).isZero();
  }

  @Test
  void aSecondGlobalOnTheSameDataDirectoryIsRefusedWithTheMemoryStoreToo() throws Exception {
    Path data = dir.resolve("shared");
    MeshfedProcess first = global("first.log", data, "--store", "memory");
    try {
      MeshfedProcess second =
          refused(
              "second-global.log",
              "global",
              "run",
              "--store",
              "memory",
              "--api-port",
              String.valueOf(FreePorts.one()),
              "--kds-port",
              String.valueOf(FreePorts.one()),
              "--data-dir",
              data.toString());

      assertThat(second.logText())
          .contains(
              "Error: cannot start the global control plane: data directory "
                  + data.toAbsolutePath()
                  + " is in use by another meshfed process (pid "
                  + first.pid()
                  + ")")
          .contains(
              data.toAbsolutePath().resolve("meshfed.lock")
                  + " is locked. Stop that process or give this one another --data-dir");
      assertThat(first.isAlive()).isTrue();
    } finally {
      first.close();
    }
    assertThat(first.exitCode()).as(first.logText()).hasValue(0);
  }

  @Test
  void aSecondZoneOnTheSameDataDirectoryIsRefusedAndSigtermExitsZero() throws Exception {
    Path token = Files.writeString(dir.resolve("zone.token"), "not-checked-while-offline\n");
    Path data = dir.resolve("zone-1");
    String unreachableGlobal = "grpc://127.0.0.1:" + FreePorts.one();
    int apiPort = FreePorts.one();
    MeshfedProcess zone =
        MeshfedProcess.start(
            dir.resolve("zone.log"), offlineZone(unreachableGlobal, token, apiPort, data));
    try {
      // never synced with global, so not ready; its API answers once it has started
      await("zone API up")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> status("http://127.0.0.1:" + apiPort + "/") == 200);

      MeshfedProcess second =
          refused("second-zone.log", offlineZone(unreachableGlobal, token, FreePorts.one(), data));

      assertThat(second.logText())
          .contains(
              "cannot start the zone control plane: data directory "
                  + data.toAbsolutePath()
                  + " is in use by another meshfed process (pid "
                  + zone.pid()
                  + ")");
    } finally {
      zone.close();
    }
    assertThat(zone.exitCode()).as(zone.logText()).hasValue(0);
    assertThat(zone.logText())
        .contains("zone control plane: stopping (signal received)")
        .contains("zone control plane")
        .contains("stopped")
        .contains("are lost): " + data.toAbsolutePath().resolve("secrets.key"));
  }

  /**
   * The zone's API answers {@code GET /} before anything builds a Jackson {@code ObjectMapper} (its
   * few hundred classes are for the full API, which a replica hop belongs to), as global's does;
   * and, its arguments being plain, without building picocli's command line (each {@code
   * CommandLine} makes an interpreter, which registers picocli's converters).
   */
  @Test
  void aZoneListensBeforeBuildingAJsonMapperOrACommandLine() throws Exception {
    Path token = Files.writeString(dir.resolve("zone.token"), "not-checked-while-offline\n");
    int apiPort = FreePorts.one();
    MeshfedProcess zone =
        MeshfedProcess.start(
            dir.resolve("zone.log"),
            List.of("-Xlog:class+load=info:stdout"),
            offlineZone(
                "grpc://127.0.0.1:" + FreePorts.one(), token, apiPort, dir.resolve("zone-1")));
    try {
      await("zone API up")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> status("http://127.0.0.1:" + apiPort + "/") == 200);
    } finally {
      zone.close();
    }
    String log = zone.logText();
    int listening = log.indexOf("API server (zone) listening");
    assertThat(listening).as(log).isPositive();
    assertThat(log.substring(0, listening))
        .contains("io.meshfed.zone.ZoneApi source:")
        .doesNotContain("com.fasterxml.jackson.databind.ObjectMapper source:")
        .doesNotContain("picocli.CommandLine$Interpreter source:");
    // no logger was asked for while the logging was being configured on another thread
    assertThat(log).doesNotContain("org.slf4j.helpers.SubstituteLogger source:");
    // the process's own provider configured logback: no context initializer, nothing from SLF4J
    assertThat(log)
        .doesNotContain("ch.qos.logback.classic.util.ContextInitializer source:")
        .doesNotContain("SLF4J(")
        .containsPattern(
            "(?m)^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  i\\.meshfed\\.api\\.ApiServer - API server"
                + " \\(zone\\) listening on ");
  }

  /**
   * {@code zone run} on the memory store, its API on {@code apiPort}, for a global at {@code
   * globalAddress} that does not answer (the zone token is not checked while it is offline).
   */
  private static String[] offlineZone(String globalAddress, Path token, int apiPort, Path data) {
    return new String[] {
      "zone",
      "run",
      "--zone",
      "zone-1",
      "--global-address",
      globalAddress,
      "--kds-insecure",
      "--zone-token-file",
      token.toString(),
      "--store",
      "memory",
      "--api-port",
      String.valueOf(apiPort),
      "--xds-port",
      "0",
      "--data-dir",
      data.toString()
    };
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void globalAndAZoneWithoutPortFlagsRunSideBySide() throws Exception {
    // the defaults themselves are under test: wait (bounded) until no other process holds them
    List<Integer> defaults = List.of(5681, 5685, 5691, 5678);
    await("default ports " + defaults + " free")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> defaults.stream().allMatch(ControlPlaneProcessIT::free));
    Path globalData = dir.resolve("global");
    MeshfedProcess global =
        MeshfedProcess.start(
            dir.resolve("global.log"), "global", "run", "--data-dir", globalData.toString());
    MeshfedProcess zone = null;
    try {
      global.awaitReady("http://127.0.0.1:5681");
      MeshfedProcess.Result token =
          MeshfedProcess.run(
              null, "generate", "zone-token", "--zone", "zone-1", "--api", "http://127.0.0.1:5681");
      assertThat(token.exitCode()).as(token.stderr()).isZero();
      Path tokenFile = Files.writeString(dir.resolve("zone-1.token"), token.stdout().strip());
      zone =
          MeshfedProcess.start(
              dir.resolve("zone.log"),
              "zone",
              "run",
              "--zone",
              "zone-1",
              "--global-address",
              "grpcs://127.0.0.1:5685",
              "--ca-file",
              globalData.resolve("kds-ca.crt").toString(),
              "--zone-token-file",
              tokenFile.toString(),
              "--data-dir",
              dir.resolve("zone-1").toString());

      zone.awaitReady("http://127.0.0.1:5691");
      assertThat(status("http://127.0.0.1:5681/ready")).isEqualTo(200);
    } finally {
      if (zone != null) {
        zone.close();
      }
      global.close();
    }
    assertThat(zone.exitCode()).as(zone.logText()).hasValue(0);
    assertThat(global.exitCode()).as(global.logText()).hasValue(0);
  }
}

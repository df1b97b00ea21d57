package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.testing.FreePorts;
import io.meshfed.testing.MeshfedProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code meshfed zone run} as an operator starts it. */
class ZoneCommandIT {
  @TempDir Path dir;

  @Test
  void invalidConfigurationExitsTwoListingEveryProblem() {
    MeshfedProcess.Result r =
        MeshfedProcess.run(
            null, "zone", "run", "--zone", "Zone_1", "--global-address", "grpc://global:5685");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.stderr())
        .contains("invalid configuration")
        .contains("'Zone_1' is not a valid DNS label")
        .contains("is plaintext")
        .contains("--kds-insecure")
        .contains("zone-token-file is required");
  }

  @Test
  void runsWhileGlobalIsUnreachableAndStopsCleanly() throws Exception {
    Path token = Files.writeString(dir.resolve("zone.token"), "secret-token\n");
    int apiPort = FreePorts.one();
    String api = "http://127.0.0.1:" + apiPort;
    MeshfedProcess zone =
        MeshfedProcess.start(
            dir.resolve("zone.log"),
            "zone",
            "run",
            "--zone",
            "zone-1",
            "--global-address",
            "grpc://127.0.0.1:" + FreePorts.one(),
            "--kds-insecure",
            "--zone-token-file",
            token.toString(),
            "--api-port",
            String.valueOf(apiPort),
            "--xds-port",
            "0",
            "--data-dir",
            dir.resolve("data").toString());
    try {
      HttpClient http = HttpClient.newHttpClient();
      await()
          .ignoreExceptions()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(
                          http.send(
                                  HttpRequest.newBuilder(URI.create(api + "/status/global"))
                                      .build(),
                                  HttpResponse.BodyHandlers.ofString())
                              .body())
                      .contains("\"connected\":false")
                      .contains("\"lastErrorCode\":\"UNAVAILABLE\"")
                      .contains("\"firstSyncDone\":false"));
      // never synced with global: it serves its API but does not report ready
      assertThat(
              http.send(
                      HttpRequest.newBuilder(URI.create(api + "/ready")).build(),
                      HttpResponse.BodyHandlers.discarding())
                  .statusCode())
          .isEqualTo(503);
      HttpResponse<String> mesh =
          http.send(
              HttpRequest.newBuilder(URI.create(api + "/meshes/default"))
                  .header("Content-Type", "application/yaml")
                  .PUT(HttpRequest.BodyPublishers.ofString("type: Mesh\nname: default\n"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(mesh.statusCode()).isEqualTo(405);
    } finally {
      zone.close();
    }
    assertThat(zone.logText())
        .contains("PLAINTEXT")
        .contains("zone-token-file")
        .doesNotContain("secret-token")
        .contains("zone control plane")
        .contains("stopped");
  }
}

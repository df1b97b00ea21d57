package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.testing.EtcdProcess;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.MeshfedProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshfed global run --store etcd} as a real process: every write the API acknowledged is
 * still there after the process is killed (SIGKILL) and started again.
 */
class GlobalRestartIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private EtcdProcess etcd;
  private MeshfedProcess global;
  private String api;
  private String[] runArgs;

  @BeforeEach
  void start() {
    etcd = EtcdProcess.launch();
    int port = FreePorts.one();
    api = "http://127.0.0.1:" + port;
    runArgs =
        new String[] {
          "global",
          "run",
          "--store",
          "etcd",
          "--etcd-endpoints",
          etcd.clientUrl(),
          "--api-port",
          String.valueOf(port),
          "--kds-port",
          String.valueOf(FreePorts.one()),
          "--data-dir",
          dir.resolve("data").toString()
        };
    global = MeshfedProcess.start(dir.resolve("global.log"), runArgs).awaitReady(api);
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (global != null) {
      global.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  void acknowledgedWritesSurviveAKilledGlobal() throws Exception {
    Path file = dir.resolve("policies.yaml");
    Files.writeString(file, Samples.MESH_PERMISSION_ROUTE);
    MeshfedProcess.Result applied =
        MeshfedProcess.run(null, "apply", "-f", file.toString(), "--api", api);
    assertThat(applied.exitCode()).as(applied.stdout() + applied.stderr()).isZero();

    // Many acknowledged writes, some of them updates and deletes, straight over the REST API.
    HttpClient http = HttpClient.newHttpClient();
    Map<String, String> expected = new HashMap<>();
    for (int i = 0; i < 120; i++) {
      String name = "tp-" + i;
      String body = Samples.permission(name, "svc-" + i);
      HttpResponse<String> r = put(http, "/meshes/default/traffic-permissions/" + name, body);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
      expected.put(name, "svc-" + i);
    }
    for (int i = 0; i < 120; i += 3) {
      String name = "tp-" + i;
      HttpResponse<String> r =
          put(
              http,
              "/meshes/default/traffic-permissions/" + name,
              Samples.permission(name, "changed-" + i));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      expected.put(name, "changed-" + i);
    }
    for (int i = 1; i < 120; i += 10) {
      String name = "tp-" + i;
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(api + "/meshes/default/traffic-permissions/" + name))
                  .DELETE()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      expected.remove(name);
    }

    global.kill();
    global = MeshfedProcess.start(dir.resolve("global-2.log"), runArgs).awaitReady(api);

    Map<String, String> after = new HashMap<>();
    JsonNode list =
        JSON.readTree(
            http.send(
                    HttpRequest.newBuilder(
                            URI.create(api + "/meshes/default/traffic-permissions?size=1000"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body());
    for (JsonNode item : list.path("items")) {
      String name = item.path("name").asText();
      if (name.startsWith("tp-")) {
        after.put(name, item.path("sources").get(0).path("match").path("kuma.io/service").asText());
      }
    }
    assertThat(after).isEqualTo(expected);

    MeshfedProcess.Result meshes = MeshfedProcess.run(null, "get", "meshes", "--api", api);
    assertThat(meshes.stdout()).contains("default").contains("builtin/ca-1");
    MeshfedProcess.Result routes = MeshfedProcess.run(null, "get", "traffic-routes", "--api", api);
    assertThat(routes.stdout()).contains("route-all-to-zone-2");
    MeshfedProcess.Result permissions =
        MeshfedProcess.run(null, "get", "traffic-permission", "allow-all", "--api", api);
    assertThat(permissions.exitCode()).isZero();
  }

  private HttpResponse<String> put(HttpClient http, String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(api + path))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}

package io.meshfed.global.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.store.memory.MemoryResourceStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Mesh created through the global API has Kuma's default policies when the 201 returns. */
class MeshDefaultsIT {
  private static final Map<String, String> DEFAULTS =
      Map.of(
          "traffic-permissions", "allow-all-",
          "traffic-routes", "route-all-",
          "timeouts", "timeout-all-",
          "circuit-breakers", "circuit-breaker-all-",
          "retries", "retry-all-");

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final ObjectMapper json = new ObjectMapper();

  @TempDir Path dataDir;

  private GlobalControlPlane cp;
  private String base;

  @BeforeEach
  void start() {
    GlobalConfig config =
        GlobalConfig.load(
            Map.of("api-port", "0", "kds-port", "0", "data-dir", dataDir.toString()),
            Map.of(),
            null);
    cp = new GlobalControlPlane(config, new MemoryResourceStore(), Clock.systemUTC()).start();
    base = "http://127.0.0.1:" + cp.apiPort();
  }

  @AfterEach
  void stop() {
    cp.close();
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private int putMesh(String name, String extra) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(base + "/meshes/" + name))
            .header("Content-Type", "application/yaml")
            .PUT(HttpRequest.BodyPublishers.ofString("type: Mesh\nname: " + name + "\n" + extra)))
        .statusCode();
  }

  private List<String> names(String mesh, String plural) throws Exception {
    HttpResponse<String> r =
        send(HttpRequest.newBuilder(URI.create(base + "/meshes/" + mesh + "/" + plural)));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = json.readTree(r.body());
    return body.path("items").findValuesAsText("name");
  }

  @Test
  void aNewMeshHasEveryDefaultPolicyWhenTheCreateAnswers() throws Exception {
    assertThat(putMesh("payments", "")).isEqualTo(201);

    for (Map.Entry<String, String> d : DEFAULTS.entrySet()) {
      assertThat(names("payments", d.getKey())).containsExactly(d.getValue() + "payments");
    }
    JsonNode timeout =
        json.readTree(
            send(HttpRequest.newBuilder(
                    URI.create(base + "/meshes/payments/timeouts/timeout-all-payments")))
                .body());
    assertThat(timeout.path("conf").path("connectTimeout").asText()).isEqualTo("5s");
    assertThat(timeout.path("conf").path("http").path("requestTimeout").asText()).isEqualTo("15s");
  }

  @Test
  void skipCreatingInitialPoliciesSkipsAllOrTheNamedTypes() throws Exception {
    assertThat(putMesh("bare", "skipCreatingInitialPolicies: ['*']\n")).isEqualTo(201);
    assertThat(putMesh("some", "skipCreatingInitialPolicies: [TrafficPermission, Retry]\n"))
        .isEqualTo(201);

    for (String plural : DEFAULTS.keySet()) {
      assertThat(names("bare", plural)).as(plural).isEmpty();
    }
    assertThat(names("some", "traffic-permissions")).isEmpty();
    assertThat(names("some", "retries")).isEmpty();
    assertThat(names("some", "traffic-routes")).containsExactly("route-all-some");
  }

  @Test
  void aDeletedDefaultStaysDeletedWhenTheMeshIsUpdated() throws Exception {
    assertThat(putMesh("m", "")).isEqualTo(201);
    assertThat(
            send(HttpRequest.newBuilder(
                        URI.create(base + "/meshes/m/traffic-permissions/allow-all-m"))
                    .DELETE())
                .statusCode())
        .isEqualTo(200);

    assertThat(putMesh("m", "routing: {localityAwareLoadBalancing: false}\n")).isEqualTo(200);

    assertThat(names("m", "traffic-permissions")).isEmpty();
    assertThat(names("m", "traffic-routes")).containsExactly("route-all-m");
  }
}

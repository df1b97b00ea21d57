package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ResourceCrudIT {
  private final ApiHarness api = new ApiHarness();

  @AfterEach
  void close() {
    api.close();
  }

  private Optional<Resource> stored(ResourceKey key) {
    return api.store.get(key).join();
  }

  @Test
  void createsReadsUpdatesAndDeletesAMesh() {
    HttpResponse<String> created =
        api.put("/meshes/default", "{\"type\":\"Mesh\",\"name\":\"default\"}");
    assertThat(created.statusCode()).isEqualTo(201);
    JsonNode body = api.json(created);
    assertThat(body.get("type").asText()).isEqualTo("Mesh");
    assertThat(body.get("name").asText()).isEqualTo("default");
    assertThat(body.get("creationTime").asText()).isEqualTo(ApiHarness.NOW.toString());
    long version = stored(ResourceKey.global("Mesh", "default")).orElseThrow().version();
    assertThat(created.headers().firstValue("ETag")).contains("\"" + version + "\"");

    HttpResponse<String> got = api.get("/meshes/default");
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(got.headers().firstValue("Content-Type")).contains("application/json");
    assertThat(got.headers().firstValue("ETag")).contains("\"" + version + "\"");
    assertThat(api.json(got).get("name").asText()).isEqualTo("default");

    HttpResponse<String> updated =
        api.put(
            "/meshes/default",
            "type: Mesh\nname: default\nlabels:\n  team: core\n",
            "Content-Type",
            "application/yaml");
    assertThat(updated.statusCode()).isEqualTo(200);
    assertThat(api.json(updated).at("/labels/team").asText()).isEqualTo("core");
    assertThat(stored(ResourceKey.global("Mesh", "default")).orElseThrow().labels())
        .containsEntry("team", "core");

    HttpResponse<String> deleted = api.delete("/meshes/default");
    assertThat(deleted.statusCode()).isEqualTo(200);
    assertThat(stored(ResourceKey.global("Mesh", "default"))).isEmpty();
    assertThat(api.get("/meshes/default").statusCode()).isEqualTo(404);
  }

  @Test
  void createsReadsUpdatesAndDeletesAMeshScopedPolicy() {
    api.mesh("default");
    String yaml =
        """
        type: TrafficPermission
        mesh: default
        name: allow-web
        sources:
          - match:
              kuma.io/service: web
        destinations:
          - match:
              kuma.io/service: backend
        """;
    HttpResponse<String> created =
        api.put(
            "/meshes/default/traffic-permissions/allow-web",
            yaml,
            "Content-Type",
            "application/yaml");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode body = api.json(created);
    assertThat(body.get("mesh").asText()).isEqualTo("default");
    assertThat(body.at("/sources/0/match/kuma.io~1service").asText()).isEqualTo("web");

    ResourceKey key = ResourceKey.inMesh(StandardTypes.TRAFFIC_PERMISSION, "default", "allow-web");
    assertThat(stored(key)).isPresent();

    HttpResponse<String> asYaml =
        api.get("/meshes/default/traffic-permissions/allow-web?format=yaml");
    assertThat(asYaml.statusCode()).isEqualTo(200);
    assertThat(asYaml.headers().firstValue("Content-Type")).contains("application/yaml");
    assertThat(asYaml.body()).contains("type: TrafficPermission").contains("kuma.io/service: web");

    HttpResponse<String> acceptYaml =
        api.send(
            HttpRequest.newBuilder(api.uri("/meshes/default/traffic-permissions/allow-web"))
                .header("Accept", "application/yaml"));
    assertThat(acceptYaml.body()).startsWith("type: TrafficPermission");

    String json =
        "{\"type\":\"TrafficPermission\",\"mesh\":\"default\",\"name\":\"allow-web\","
            + "\"sources\":[{\"match\":{\"kuma.io/service\":\"*\"}}],"
            + "\"destinations\":[{\"match\":{\"kuma.io/service\":\"backend\"}}]}";
    HttpResponse<String> updated =
        api.put(
            "/meshes/default/traffic-permissions/allow-web",
            json,
            "Content-Type",
            "application/json");
    assertThat(updated.statusCode()).isEqualTo(200);
    assertThat(api.json(updated).at("/sources/0/match/kuma.io~1service").asText()).isEqualTo("*");
    assertThat(api.json(updated).get("creationTime").asText()).isEqualTo(ApiHarness.NOW.toString());

    assertThat(api.delete("/meshes/default/traffic-permissions/allow-web").statusCode())
        .isEqualTo(200);
    assertThat(stored(key)).isEmpty();
  }

  @Test
  void clientSuppliedTimesAreIgnored() {
    HttpResponse<String> created =
        api.put(
            "/meshes/default",
            "{\"type\":\"Mesh\",\"name\":\"default\",\"creationTime\":\"2001-01-01T00:00:00Z\"}");
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(api.json(created).get("creationTime").asText()).isEqualTo(ApiHarness.NOW.toString());
  }

  @Test
  void deletingAMeshDeletesItsPolicies() {
    api.mesh("default");
    api.permission("default", "p1", Map.of());
    assertThat(api.delete("/meshes/default").statusCode()).isEqualTo(200);
    assertThat(stored(ResourceKey.inMesh(StandardTypes.TRAFFIC_PERMISSION, "default", "p1")))
        .isEmpty();
  }

  @Test
  void ifMatchWithTheCurrentVersionUpdatesAndDeletes() {
    long v = api.mesh("default").version();
    HttpResponse<String> updated =
        api.put(
            "/meshes/default",
            "{\"type\":\"Mesh\",\"name\":\"default\",\"labels\":{\"a\":\"b\"}}",
            "If-Match",
            "\"" + v + "\"");
    assertThat(updated.statusCode()).isEqualTo(200);
    String etag = updated.headers().firstValue("ETag").orElseThrow();
    assertThat(etag).isNotEqualTo("\"" + v + "\"");
    assertThat(api.delete("/meshes/default", "If-Match", etag).statusCode()).isEqualTo(200);
    assertThat(stored(ResourceKey.global("Mesh", "default"))).isEmpty();
  }

  @Test
  void getAndDeleteOfAMissingResourceAre404() {
    api.mesh("default");
    HttpResponse<String> get = api.get("/meshes/default/traffic-permissions/nope");
    assertThat(get.statusCode()).isEqualTo(404);
    assertThat(api.json(get).get("detail").asText()).contains("default/nope").contains("not found");
    assertThat(api.json(get).get("title").asText()).isEqualTo("Not Found");
    assertThat(api.delete("/meshes/default/traffic-permissions/nope").statusCode()).isEqualTo(404);
    assertThat(api.delete("/meshes/nope").statusCode()).isEqualTo(404);
  }

  @Test
  void writeHookChangesWhatIsStored() {
    try (ApiHarness zoneLike =
        new ApiHarness(
            b -> b.writeHook(r -> r.withMeta(r.meta().withLabel("kuma.io/zone", "z1"))))) {
      HttpResponse<String> created =
          zoneLike.put("/meshes/default", "{\"type\":\"Mesh\",\"name\":\"default\"}");
      assertThat(created.statusCode()).isEqualTo(201);
      assertThat(zoneLike.json(created).at("/labels/kuma.io~1zone").asText()).isEqualTo("z1");
      assertThat(
              zoneLike
                  .store
                  .get(ResourceKey.global("Mesh", "default"))
                  .join()
                  .orElseThrow()
                  .labels())
          .containsEntry("kuma.io/zone", "z1");
    }
  }
}

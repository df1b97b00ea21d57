package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.meshfed.model.ControlPlaneMode;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.store.memory.MemoryResourceStore;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SystemEndpointsIT {

  @Test
  void indexDescribesAGlobalControlPlane() {
    try (ApiHarness api = new ApiHarness()) {
      HttpResponse<String> response = api.get("/");
      assertThat(response.statusCode()).isEqualTo(200);
      JsonNode body = api.json(response);
      assertThat(body.get("hostname").asText()).isEqualTo("test-host");
      // kumactl's `config control-planes add` accepts only the tagline "Kuma"
      assertThat(body.get("tagline").asText()).isEqualTo("Kuma");
      assertThat(body.get("product").asText()).isEqualTo("meshfed");
      assertThat(body.get("basedOnKuma").asText()).isEqualTo("2.7.29");
      assertThat(body.get("version").asText()).isEqualTo("1.2.3");
      // Kuma's index names the GUI's path
      assertThat(body.get("gui").asText()).isEqualTo("/gui");
      assertThat(body.get("instanceId").asText()).isEqualTo("global-1");
      // one process without replicas leads its role
      assertThat(body.get("leader").asBoolean()).isTrue();
      assertThat(body.get("leaderInstance").asText()).isEqualTo("global-1");
      assertThat(body.get("mode").asText()).isEqualTo("global");
      assertThat(body.has("zone")).isFalse();
    }
  }

  @Test
  void indexOfAZoneNamesTheZoneAndGlobalTypesAreReadOnlyThere() {
    try (ApiHarness api =
        new ApiHarness(
            b -> b.mode(ControlPlaneMode.ZONE).index(IndexInfo.zone("1.2.3", "z-1", "zone-1")))) {
      JsonNode body = api.json(api.get("/"));
      assertThat(body.get("mode").asText()).isEqualTo("zone");
      assertThat(body.get("zone").asText()).isEqualTo("zone-1");

      HttpResponse<String> put =
          api.put("/meshes/default", "{\"type\":\"Mesh\",\"name\":\"default\"}");
      assertThat(put.statusCode()).isEqualTo(405);
      assertThat(api.json(put).get("detail").asText())
          .contains("owned by the global control plane");
      assertThat(api.store.currentRevision().join()).isZero();
    }
  }

  @Test
  void readinessFollowsTheSupplier() {
    try (ApiHarness api = new ApiHarness()) {
      api.ready.set(false);
      assertThat(api.get("/ready").statusCode()).isEqualTo(503);
      api.ready.set(true);
      assertThat(api.get("/ready").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void metricsAreTaggedWithTheRouteTemplate() {
    try (ApiHarness api = new ApiHarness()) {
      api.mesh("default");
      api.get("/meshes/default");
      api.get("/meshes/default/traffic-permissions/missing");
      HttpResponse<String> metrics = api.get("/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.headers().firstValue("Content-Type"))
          .hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
      assertThat(metrics.body())
          .contains("api_server_http_request_duration_seconds_count")
          .contains("api_server_http_request_duration_seconds_bucket")
          .contains("handler=\"/{type}/{name}\"")
          .contains("handler=\"/meshes/{mesh}/{type}/{name}\"")
          .contains("code=\"404\"")
          .doesNotContain("handler=\"/meshes/default")
          .contains("api_server_http_requests_inflight{handler=\"/metrics\"} 1.0")
          .contains(
              "api_server_http_requests_inflight{handler=\"/meshes/{mesh}/{type}/{name}\"} 0.0")
          .contains("api_store_operations_seconds_count");
    }
  }

  @Test
  void globalInsightsCountGlobalScopedTypes() {
    try (ApiHarness api = new ApiHarness()) {
      api.mesh("m1");
      api.mesh("m2");
      api.permission("m1", "p", Map.of());
      api.store
          .create(
              new Resource(
                  ResourceKey.global(TestTypes.ZONE_INGRESS, "zi"),
                  Meta.EMPTY,
                  new io.meshfed.model.spec.ZoneIngressSpec("z", null, null)))
          .join();
      JsonNode body = api.json(api.get("/global-insights"));
      assertThat(body.get("type").asText()).isEqualTo("GlobalInsight");
      assertThat(body.get("creationTime").asText()).isEqualTo(ApiHarness.NOW.toString());
      assertThat(body.at("/resources/Mesh/total").asInt()).isEqualTo(2);
      assertThat(body.at("/resources/ZoneIngress/total").asInt()).isEqualTo(1);
      assertThat(body.path("resources").has("TrafficPermission")).isFalse();
    }
  }

  @Test
  void extraRoutesComeBeforeResourceRoutes() {
    try (ApiHarness api =
        new ApiHarness(
            b ->
                b.route(
                        ApiRoute.get(
                            "/zones+insights",
                            r ->
                                ApiResponse.json(
                                    200, JsonNodeFactory.instance.objectNode().put("extra", true))))
                    .route(
                        ApiRoute.get(
                            "/meshes/{mesh}/{type}/{name}/_sync",
                            r ->
                                ApiResponse.json(
                                    200,
                                    JsonNodeFactory.instance
                                        .objectNode()
                                        .put("mesh", r.pathParam("mesh"))
                                        .put("name", r.pathParam("name"))))))) {
      assertThat(api.json(api.get("/zones+insights")).get("extra").asBoolean()).isTrue();
      JsonNode sync = api.json(api.get("/meshes/default/traffic-permissions/p1/_sync"));
      assertThat(sync.get("mesh").asText()).isEqualTo("default");
      assertThat(sync.get("name").asText()).isEqualTo("p1");
      assertThat(api.get("/meshes/default/traffic-permissions/p1/_sync2").statusCode())
          .isEqualTo(404);
      HttpResponse<String> put = api.put("/zones+insights", "{}");
      assertThat(put.statusCode()).isEqualTo(405);
    }
  }

  @Test
  void storeUnavailableIs503WithoutInternals() {
    MemoryResourceStore store = new MemoryResourceStore();
    try (ApiHarness api = new ApiHarness(store, b -> {})) {
      store.close();
      HttpResponse<String> response = api.get("/meshes");
      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(api.json(response).get("detail").asText()).doesNotContain("closed");
    }
  }

  @Test
  void handlerBugsAre500WithoutInternals() {
    try (ApiHarness api =
        new ApiHarness(
            b ->
                b.route(
                    ApiRoute.get(
                        "/boom",
                        r -> {
                          throw new IllegalStateException("secret internal detail");
                        })))) {
      HttpResponse<String> response = api.get("/boom");
      assertThat(response.statusCode()).isEqualTo(500);
      assertThat(response.body()).doesNotContain("secret internal detail").contains("reference");
    }
  }
}

package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ListIT {
  private final ApiHarness api = new ApiHarness();

  @BeforeEach
  void data() {
    api.mesh("alpha");
    api.mesh("beta");
    api.permission("alpha", "a1", Map.of("team", "web"));
    api.permission("alpha", "a2", Map.of("team", "db"));
    api.permission("alpha", "a3", Map.of("team", "web", "env", "prod"));
    api.permission("beta", "b1", Map.of("team", "web"));
  }

  @AfterEach
  void close() {
    api.close();
  }

  private static List<String> names(JsonNode list) {
    List<String> out = new ArrayList<>();
    list.get("items").forEach(i -> out.add(i.get("name").asText()));
    return out;
  }

  @Test
  void listsGlobalScopedTypeInKumaShape() {
    HttpResponse<String> response = api.get("/meshes");
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = api.json(response);
    assertThat(body.get("total").asInt()).isEqualTo(2);
    assertThat(names(body)).containsExactly("alpha", "beta");
    assertThat(body.get("items").get(0).get("type").asText()).isEqualTo("Mesh");
    assertThat(body.has("next")).isTrue();
    assertThat(body.get("next").isNull()).isTrue();
  }

  @Test
  void listsOneMesh() {
    JsonNode body = api.json(api.get("/meshes/alpha/traffic-permissions"));
    assertThat(body.get("total").asInt()).isEqualTo(3);
    assertThat(names(body)).containsExactly("a1", "a2", "a3");
    assertThat(body.get("items").get(0).get("mesh").asText()).isEqualTo("alpha");
  }

  @Test
  void listsAMeshScopedTypeAcrossMeshes() {
    JsonNode body = api.json(api.get("/traffic-permissions"));
    assertThat(body.get("total").asInt()).isEqualTo(4);
    assertThat(names(body)).containsExactly("a1", "a2", "a3", "b1");
  }

  @Test
  void pagesWithAbsoluteNextLinks() {
    HttpResponse<String> first = api.get("/traffic-permissions?size=3");
    JsonNode body = api.json(first);
    assertThat(body.get("total").asInt()).isEqualTo(4);
    assertThat(names(body)).containsExactly("a1", "a2", "a3");
    String next = body.get("next").asText();
    assertThat(next)
        .isEqualTo(
            "http://127.0.0.1:" + api.server.port() + "/traffic-permissions?offset=3&size=3");

    JsonNode second = api.json(api.send(HttpRequest.newBuilder(URI.create(next)).GET()));
    assertThat(names(second)).containsExactly("b1");
    assertThat(second.get("next").isNull()).isTrue();
  }

  @Test
  void filtersByLabelsAndKeepsTheFilterInNextLinks() {
    JsonNode web = api.json(api.get("/traffic-permissions?labels.team=web"));
    assertThat(names(web)).containsExactly("a1", "a3", "b1");

    JsonNode both =
        api.json(api.get("/meshes/alpha/traffic-permissions?labels.team=web&labels.env=prod"));
    assertThat(names(both)).containsExactly("a3");

    JsonNode page = api.json(api.get("/traffic-permissions?labels.team=web&size=1&offset=1"));
    assertThat(names(page)).containsExactly("a3");
    assertThat(page.get("total").asInt()).isEqualTo(3);
    String next = page.get("next").asText();
    assertThat(next).contains("offset=2").contains("size=1").contains("labels.team=web");
    JsonNode last = api.json(api.send(HttpRequest.newBuilder(URI.create(next)).GET()));
    assertThat(names(last)).containsExactly("b1");
  }

  @Test
  void listsAsYaml() {
    HttpResponse<String> response = api.get("/meshes/beta/traffic-permissions?format=yaml");
    assertThat(response.headers().firstValue("Content-Type")).contains("application/yaml");
    assertThat(response.body()).contains("total: 1").contains("name: b1");
  }

  @Test
  void emptyListForAMeshWithoutResources() {
    JsonNode body = api.json(api.get("/meshes/gamma/traffic-permissions"));
    assertThat(body.get("total").asInt()).isZero();
    assertThat(body.get("items")).isEmpty();
  }

  @Test
  void rejectsBadPagingParameters() {
    for (String query : List.of("size=0", "size=1001", "size=abc", "offset=-1", "offset=x")) {
      HttpResponse<String> response = api.get("/traffic-permissions?" + query);
      assertThat(response.statusCode()).as(query).isEqualTo(400);
      assertThat(api.causeFields(response)).as(query).containsExactly(query.split("=")[0]);
    }
  }

  @Test
  void dashlessAliasReachesTheSameType() {
    api.store
        .create(
            new io.meshfed.model.Resource(
                io.meshfed.model.ResourceKey.global(TestTypes.ZONE_INGRESS, "zi-1"),
                io.meshfed.model.Meta.EMPTY,
                new io.meshfed.model.spec.ZoneIngressSpec(
                    "zone-1",
                    new io.meshfed.model.spec.ZoneIngressSpec.Networking(
                        "10.0.0.1", null, 10001, null, null),
                    null)))
        .join();
    assertThat(names(api.json(api.get("/zone-ingresses")))).containsExactly("zi-1");
    assertThat(names(api.json(api.get("/zoneingresses")))).containsExactly("zi-1");
    HttpResponse<String> one = api.get("/zoneingresses/zi-1");
    assertThat(one.statusCode()).isEqualTo(200);
    assertThat(api.json(one).get("zone").asText()).isEqualTo("zone-1");
  }
}

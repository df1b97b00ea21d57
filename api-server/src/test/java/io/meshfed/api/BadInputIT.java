package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.model.validation.ValidationException;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every bad input gets a 4xx in the error shape and leaves the store exactly as it was. */
class BadInputIT {
  private static final String TP_PATH = "/meshes/default/traffic-permissions/tp-1";
  private static final int LIMIT = 2048;

  private final ApiHarness api =
      new ApiHarness(
          b ->
              b.maxBodyBytes(LIMIT)
                  .writeHook(
                      r -> {
                        if (r.labels().containsKey("forbidden")) {
                          throw ValidationException.single(
                              r.key().toString(), "labels.forbidden", "may not be set here");
                        }
                        return r;
                      }));
  private ApiHarness.StoreSnapshot before;

  @BeforeEach
  void data() {
    api.mesh("default");
    api.permission("default", "tp-1", Map.of("team", "web"));
    before = api.snapshot();
  }

  @AfterEach
  void close() {
    api.close();
  }

  private static String tp(String mesh, String name) {
    return "{\"type\":\"TrafficPermission\",\"mesh\":\""
        + mesh
        + "\",\"name\":\""
        + name
        + "\",\"sources\":[{\"match\":{\"kuma.io/service\":\"*\"}}],"
        + "\"destinations\":[{\"match\":{\"kuma.io/service\":\"*\"}}]}";
  }

  /** Asserts status, error shape, cause fields, and that nothing was written. */
  private JsonNode assertRejected(HttpResponse<String> response, int status, String... fields) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
    JsonNode body = api.json(response);
    assertThat(body.get("type").asText()).isEqualTo("/std-errors");
    assertThat(body.get("status").asInt()).isEqualTo(status);
    assertThat(body.get("title").asText()).isNotBlank();
    assertThat(body.get("detail").asText()).isNotBlank();
    assertThat(body.get("details").asText()).isEqualTo(body.get("detail").asText());
    assertThat(api.causeFields(response)).containsExactlyInAnyOrder(fields);
    assertThat(body.path("invalid_parameters").findValuesAsText("field"))
        .containsExactlyInAnyOrder(fields);
    assertThat(api.snapshot()).isEqualTo(before);
    return body;
  }

  @Test
  void malformedYaml() {
    JsonNode body =
        assertRejected(
            api.put(
                TP_PATH,
                "type: TrafficPermission\nname: [unclosed\n",
                "Content-Type",
                "application/yaml"),
            400,
            "");
    assertThat(body.get("detail").asText()).contains("cannot parse");
  }

  @Test
  void malformedJson() {
    assertRejected(
        api.put(TP_PATH, "{\"type\": \"TrafficPermission\", ", "Content-Type", "application/json"),
        400,
        "");
  }

  @Test
  void emptyBody() {
    JsonNode body = assertRejected(api.put(TP_PATH, ""), 400, "");
    assertThat(body.get("detail").asText()).contains("expected exactly one resource");
  }

  @Test
  void invalidUtf8() {
    byte[] bytes = {'t', 'y', 'p', 'e', ':', ' ', (byte) 0xC3, (byte) 0x28};
    HttpResponse<String> response =
        api.send(
            HttpRequest.newBuilder(api.uri(TP_PATH))
                .header("Content-Type", "application/yaml")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)));
    assertRejected(response, 400, "body");
  }

  @Test
  void unknownTypeInBody() {
    JsonNode body =
        assertRejected(
            api.put(TP_PATH, "{\"type\":\"NoSuchType\",\"mesh\":\"default\",\"name\":\"tp-1\"}"),
            400,
            "type");
    assertThat(body.get("detail").asText()).contains("NoSuchType").contains("TrafficPermission");
  }

  @Test
  void unknownTypePathNamesTheValidOnes() {
    JsonNode body =
        assertRejected(api.put("/meshes/default/no-such-things/x", tp("default", "x")), 404);
    assertThat(body.get("detail").asText())
        .contains("no-such-things")
        .contains("traffic-permissions")
        .contains("meshes");
    assertRejected(api.get("/no-such-things"), 404);
  }

  @Test
  void typeMismatchBetweenPathAndBody() {
    String body =
        "{\"type\":\"CheckedPolicy\",\"mesh\":\"default\",\"name\":\"tp-1\",\"port\":80,\"service\":\"web\"}";
    assertRejected(api.put(TP_PATH, body), 400, "type");
  }

  @Test
  void globalTypeUnderAMeshAndMeshTypeWithoutOne() {
    assertRejected(api.put("/meshes/default/meshes/x", "{\"type\":\"Mesh\",\"name\":\"x\"}"), 404);
    assertRejected(api.put("/traffic-permissions/tp-2", tp("default", "tp-2")), 404);
  }

  @Test
  void nameMismatch() {
    JsonNode body = assertRejected(api.put(TP_PATH, tp("default", "other")), 400, "name");
    assertThat(body.at("/causes/0/message").asText()).contains("tp-1").contains("other");
  }

  @Test
  void meshMismatch() {
    assertRejected(api.put(TP_PATH, tp("other", "tp-1")), 400, "mesh");
  }

  @Test
  void meshMissing() {
    JsonNode body =
        assertRejected(
            api.put("/meshes/nope/traffic-permissions/tp-1", tp("nope", "tp-1")), 400, "mesh");
    assertThat(body.get("detail").asText()).contains("nope");
  }

  @Test
  void invalidFieldsAreAllReportedWithTheirPaths() {
    String body =
        "{\"type\":\"CheckedPolicy\",\"mesh\":\"default\",\"name\":\"cp\",\"port\":70000}";
    assertRejected(api.put("/meshes/default/checked-policies/cp", body), 400, "port", "service");
  }

  @Test
  void unknownFieldAndBadNameAndBadLabels() {
    String unknown =
        "{\"type\":\"TrafficPermission\",\"mesh\":\"default\",\"name\":\"tp-1\",\"sauces\":[]}";
    JsonNode body = assertRejected(api.put(TP_PATH, unknown), 400, "sauces");
    assertThat(body.at("/causes/0/message").asText()).contains("unknown field 'sauces'");

    String badName = tp("default", "Bad_Name");
    assertRejected(api.put("/meshes/default/traffic-permissions/Bad_Name", badName), 400, "name");

    String badLabels =
        "{\"type\":\"Mesh\",\"name\":\"default\",\"labels\":{\"team\":{\"nested\":1}}}";
    assertRejected(api.put("/meshes/default", badLabels), 400, "labels.team");
  }

  @Test
  void nullNameAndMeshAre400NamingTheField() {
    assertRejected(api.put("/meshes/default", "{\"type\":\"Mesh\",\"name\":null}"), 400, "name");
    assertRejected(
        api.put(
            TP_PATH,
            "{\"type\":\"TrafficPermission\",\"mesh\":null,\"name\":\"tp-1\","
                + "\"sources\":[{\"match\":{\"kuma.io/service\":\"*\"}}],"
                + "\"destinations\":[{\"match\":{\"kuma.io/service\":\"*\"}}]}"),
        400,
        "mesh");
    assertRejected(
        api.put(
            TP_PATH,
            "type: TrafficPermission\nmesh: ~\nname: tp-1\n",
            "Content-Type",
            "application/yaml"),
        400,
        "mesh");
    assertRejected(
        api.put("/zones/z1", "type: Zone\nname: z1\nmesh: ~\n", "Content-Type", "text/yaml"),
        400,
        "mesh");
    assertRejected(api.put("/zones/z1", "{\"type\":null,\"name\":\"z1\"}"), 400, "type");
  }

  @Test
  void nestedConfigIsValidatedByPath() {
    String mesh =
        "{\"type\":\"Mesh\",\"name\":\"default\",\"mtls\":{\"enabledBackend\":\"ca\","
            + "\"backends\":[{\"name\":\"ca\",\"type\":\"builtin\",\"conf\":"
            + "{\"caCert\":{\"RSAbits\":\"lots\",\"expiration\":\"forever\"},\"junk\":1}}]}}";
    assertRejected(
        api.put("/meshes/default", mesh),
        400,
        "mtls.backends[0].conf.caCert.RSAbits",
        "mtls.backends[0].conf.caCert.expiration",
        "mtls.backends[0].conf.junk");
  }

  @Test
  void yamlAliasesAndBooleanWordsAreRefusedByField() {
    assertRejected(
        api.put(
            "/meshes/default",
            "type: Mesh\nname: default\nlabels:\n  a: &x one\n  b: *x\n",
            "Content-Type",
            "application/yaml"),
        400,
        "labels.b");
    assertRejected(
        api.put(
            "/zones/z1",
            "type: Zone\nname: z1\nenabled: yes\n",
            "Content-Type",
            "application/yaml"),
        400,
        "enabled");
  }

  @Test
  void scalarsInStringFieldsKeepTheTextTheyWereWrittenWith() {
    String yaml =
        """
        type: TrafficPermission
        mesh: default
        name: tp-1
        labels: {release: 2.10}
        sources: [{match: {kuma.io/service: web, version: 1.10, canary: no, blue: on}}]
        destinations: [{match: {kuma.io/service: '*'}}]
        """;
    HttpResponse<String> put = api.put(TP_PATH, yaml, "Content-Type", "application/yaml");
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    JsonNode stored = api.json(api.get(TP_PATH));
    assertThat(stored.at("/labels/release").asText()).isEqualTo("2.10");
    JsonNode match = stored.at("/sources/0/match");
    assertThat(match.get("version").asText()).isEqualTo("1.10");
    assertThat(match.get("canary").asText()).isEqualTo("no");
    assertThat(match.get("blue").asText()).isEqualTo("on");

    String json =
        "{\"type\":\"TrafficPermission\",\"mesh\":\"default\",\"name\":\"tp-1\","
            + "\"sources\":[{\"match\":{\"kuma.io/service\":\"web\",\"version\":1.10}}],"
            + "\"destinations\":[{\"match\":{\"kuma.io/service\":\"*\"}}]}";
    assertThat(api.put(TP_PATH, json).statusCode()).isEqualTo(200);
    assertThat(api.json(api.get(TP_PATH)).at("/sources/0/match/version").asText())
        .isEqualTo("1.10");
  }

  @Test
  void writeHookRejection() {
    String body = "{\"type\":\"Mesh\",\"name\":\"default\",\"labels\":{\"forbidden\":\"x\"}}";
    assertRejected(api.put("/meshes/default", body), 400, "labels.forbidden");
  }

  @Test
  void bodyOverTheLimitWithContentLength() {
    String big =
        "{\"type\":\"Mesh\",\"name\":\"default\",\"labels\":{\"pad\":\""
            + "x".repeat(LIMIT)
            + "\"}}";
    JsonNode body = assertRejected(api.put("/meshes/default", big), 413);
    assertThat(body.get("detail").asText()).contains(String.valueOf(LIMIT));
  }

  @Test
  void chunkedBodyOverTheLimit() {
    byte[] big =
        ("type: Mesh\nname: default\n# " + "x".repeat(LIMIT * 2) + "\n")
            .getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> response =
        api.send(
            HttpRequest.newBuilder(api.uri("/meshes/default"))
                .header("Content-Type", "application/yaml")
                .PUT(
                    HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))));
    assertRejected(response, 413);
  }

  @Test
  void staleVersionIsAConflictNamingTheCurrentVersion() {
    long current = before.revision();
    HttpResponse<String> response =
        api.put(TP_PATH, tp("default", "tp-1"), "If-Match", "\"" + (current - 1) + "\"");
    JsonNode body = assertRejected(response, 409);
    assertThat(body.get("detail").asText()).contains("version " + current);

    assertRejected(api.delete(TP_PATH, "If-Match", "\"1\""), 409);
  }

  @Test
  void ifMatchOnAMissingResourceAndUnparsableIfMatch() {
    assertRejected(
        api.put(
            "/meshes/default/traffic-permissions/tp-9", tp("default", "tp-9"), "If-Match", "\"3\""),
        409);
    assertRejected(api.put(TP_PATH, tp("default", "tp-1"), "If-Match", "abc"), 400, "If-Match");
  }

  @Test
  void readOnlyTypesAre405WithTheReason() {
    String ingress = "{\"type\":\"ZoneIngress\",\"name\":\"zi\",\"zone\":\"z1\"}";
    JsonNode body = assertRejected(api.put("/zone-ingresses/zi", ingress), 405);
    assertThat(body.get("detail").asText()).contains("reported by zones");

    String insight = "{\"type\":\"DataplaneInsight\",\"mesh\":\"default\",\"name\":\"dp\"}";
    JsonNode insightBody =
        assertRejected(api.put("/meshes/default/dataplane-insights/dp", insight), 405);
    assertThat(insightBody.get("detail").asText()).contains("maintained by the control plane");
    assertRejected(api.delete("/meshes/default/dataplane-insights/dp"), 405);
  }

  @Test
  void unsupportedMethodsAndMediaTypes() {
    HttpResponse<String> post =
        api.send(
            HttpRequest.newBuilder(api.uri(TP_PATH))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(tp("default", "tp-1"))));
    assertRejected(post, 405);
    assertRejected(api.delete("/meshes/default/traffic-permissions"), 405);
    assertRejected(
        api.put(TP_PATH, "<xml/>", "Content-Type", "application/xml"), 415, "Content-Type");
  }
}

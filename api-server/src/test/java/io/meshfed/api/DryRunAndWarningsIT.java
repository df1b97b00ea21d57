package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.ResourceKey;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code PUT ...?dryRun=true} checks without storing; {@link WriteWarnings} reach the answer. */
class DryRunAndWarningsIT {
  private final ApiHarness api =
      new ApiHarness(
          b ->
              b.writeWarnings(
                  (resource, store) ->
                      resource.labels().containsKey("warn")
                          ? List.of(
                              "label warn is set on " + resource.name(),
                              "quotes \" and \\ are escaped; non-ASCII \u00e9 is not sent as is")
                          : List.of()));

  @AfterEach
  void close() {
    api.close();
  }

  @Test
  void aDryRunCreateAnswersAsACreateAndStoresNothing() {
    HttpResponse<String> r =
        api.put("/meshes/default?dryRun=true", "{\"type\":\"Mesh\",\"name\":\"default\"}");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    assertThat(api.json(r).get("name").asText()).isEqualTo("default");
    assertThat(r.headers().firstValue("ETag")).isEmpty();
    assertThat(api.store.get(ResourceKey.global("Mesh", "default")).join()).isEmpty();
  }

  @Test
  void dryRunOutsideAPutIsRefusedAndNothingIsDone() {
    api.put("/meshes/default", "type: Mesh\nname: default\n");

    HttpResponse<String> delete = api.delete("/meshes/default?dryRun=true");
    HttpResponse<String> get = api.get("/meshes/default?dryRun=true");

    assertThat(delete.statusCode()).as(delete.body()).isEqualTo(400);
    assertThat(delete.body()).contains("dryRun").contains("PUT");
    assertThat(get.statusCode()).as(get.body()).isEqualTo(400);
    assertThat(api.store.get(ResourceKey.global("Mesh", "default")).join()).isPresent();
  }

  @Test
  void aDryRunUpdateLeavesTheStoredResourceAndChecksIfMatch() {
    api.put("/meshes/default", "type: Mesh\nname: default\nlabels: {team: a}\n");
    long version =
        api.store.get(ResourceKey.global("Mesh", "default")).join().orElseThrow().version();

    HttpResponse<String> r =
        api.put("/meshes/default?dryRun=true", "type: Mesh\nname: default\nlabels: {team: b}\n");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(api.json(r).at("/labels/team").asText()).isEqualTo("b");
    assertThat(api.store.get(ResourceKey.global("Mesh", "default")).join().orElseThrow().labels())
        .containsEntry("team", "a");

    HttpResponse<String> stale =
        api.put(
            "/meshes/default?dryRun=true",
            "type: Mesh\nname: default\n",
            "If-Match",
            "\"" + (version + 7) + "\"");
    assertThat(stale.statusCode()).isEqualTo(409);
  }

  @Test
  void aDryRunRefusesWhatARealWriteRefusesWithTheWholeYamlMessage() {
    HttpResponse<String> bad =
        api.put("/meshes/default?dryRun=true", "type: Mesh\nname: default\n- oops\n");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body())
        .contains("line 3, column 1")
        .contains("expected <block end>, but found '-'");

    HttpResponse<String> mode =
        api.put("/meshes/default?dryRun=maybe", "type: Mesh\nname: default\n");
    assertThat(mode.statusCode()).isEqualTo(400);
    assertThat(mode.body()).contains("dryRun").contains("expected true or false");

    HttpResponse<String> readOnly =
        api.put(
            "/zone-ingresses/zi?dryRun=true",
            "type: ZoneIngress\nname: zi\nzone: z\nnetworking: {address: 127.0.0.1, port: 1}\n");
    assertThat(readOnly.statusCode()).isEqualTo(405);
  }

  @Test
  void warningsAreSentInTheWarningHeaderOfWritesAndDryRuns() {
    String body = "type: Mesh\nname: default\nlabels: {warn: 'yes'}\n";
    HttpResponse<String> created = api.put("/meshes/default", body);
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.headers().allValues("Warning"))
        .containsExactly(
            "299 - \"label warn is set on default\", 299 - \"quotes \\\" and \\\\ are escaped;"
                + " non-ASCII ? is not sent as is\"");

    HttpResponse<String> dry = api.put("/meshes/default?dryRun=true", body);
    assertThat(dry.statusCode()).isEqualTo(200);
    assertThat(dry.headers().firstValue("Warning")).get().asString().contains("label warn");

    HttpResponse<String> quiet = api.put("/meshes/default", "type: Mesh\nname: default\n");
    assertThat(quiet.headers().firstValue("Warning")).isEmpty();
  }
}

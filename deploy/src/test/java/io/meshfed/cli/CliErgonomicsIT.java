package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.MeshfedProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI points of the "first hour" issue, against two real global control planes: lists from
 * {@code get} apply back, YAML errors and unknown types are explained, {@code apply --dry-run}
 * counts valid documents, warnings reach {@code apply}'s output, and Envoy's log level is checked.
 */
class CliErgonomicsIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  private static MeshfedProcess source;
  private static MeshfedProcess target;
  private static String sourceApi;
  private static String targetApi;

  @BeforeAll
  static void startGlobals() {
    sourceApi = "http://127.0.0.1:" + FreePorts.one();
    targetApi = "http://127.0.0.1:" + FreePorts.one();
    source = start("source", sourceApi);
    target = start("target", targetApi);
  }

  private static MeshfedProcess start(String name, String api) {
    return MeshfedProcess.start(
            dir.resolve(name + ".log"),
            "global",
            "run",
            "--api-port",
            api.substring(api.lastIndexOf(':') + 1),
            "--kds-port",
            String.valueOf(FreePorts.one()),
            "--data-dir",
            dir.resolve(name).toString())
        .awaitReady(api);
  }

  @AfterAll
  static void stopGlobals() throws InterruptedException {
    if (source != null) {
      source.close();
    }
    if (target != null) {
      target.close();
    }
  }

  private static MeshfedProcess.Result cli(String api, String stdin, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--api");
    all.add(api);
    return MeshfedProcess.run(stdin, all.toArray(String[]::new));
  }

  private static MeshfedProcess.Result ok(MeshfedProcess.Result r) {
    assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
    return r;
  }

  private static Path file(String name, String content) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, content);
    return f;
  }

  private static final String RESOURCES =
      """
      type: Mesh
      name: shop
      mtls:
        enabledBackend: ca-1
        backends:
        - name: ca-1
          type: builtin
      ---
      type: Mesh
      name: lab
      ---
      type: TrafficPermission
      name: web-to-backend
      mesh: shop
      sources: [{match: {kuma.io/service: web}}]
      destinations: [{match: {kuma.io/service: backend}}]
      ---
      type: TrafficRoute
      name: backend-split
      mesh: shop
      sources: [{match: {kuma.io/service: web}}]
      destinations: [{match: {kuma.io/service: backend}}]
      conf:
        split:
        - weight: 90
          destination: {kuma.io/service: backend, version: v1}
        - weight: 10
          destination: {kuma.io/service: backend, kuma.io/zone: zone-2}
      ---
      type: Timeout
      name: web-timeouts
      mesh: shop
      sources: [{match: {kuma.io/service: web}}]
      destinations: [{match: {kuma.io/service: backend}}]
      conf:
        connectTimeout: 7s
      ---
      type: HealthCheck
      name: backend-health
      mesh: shop
      sources: [{match: {kuma.io/service: '*'}}]
      destinations: [{match: {kuma.io/service: backend}}]
      conf:
        interval: 10s
        timeout: 2s
        unhealthyThreshold: 3
        healthyThreshold: 1
      """;

  /** A list as {@code get -o json} prints it, without the times each control plane sets. */
  private static JsonNode listed(String api, String type) throws Exception {
    JsonNode list = JSON.readTree(ok(cli(api, null, "get", type, "-A", "-o", "json")).stdout());
    for (JsonNode item : list.path("items")) {
      ((ObjectNode) item).remove(List.of("creationTime", "modificationTime"));
    }
    return list;
  }

  @Test
  void listsPrintedByGetAsJsonOrYamlApplyToAnotherControlPlaneUnchanged() throws Exception {
    ok(cli(sourceApi, null, "apply", "-f", file("resources.yaml", RESOURCES).toString()));
    List<String> jsonTypes = List.of("meshes", "traffic-permissions", "health-checks");
    List<String> yamlTypes = List.of("traffic-routes", "timeouts");

    StringBuilder export = new StringBuilder();
    for (String t : jsonTypes) {
      export
          .append(ok(cli(sourceApi, null, "get", t, "-A", "-o", "json")).stdout())
          .append("---\n");
    }
    for (String t : yamlTypes) {
      export
          .append(ok(cli(sourceApi, null, "get", t, "-A", "-o", "yaml")).stdout())
          .append("---\n");
    }
    // and a JSON list read from a file on its own
    Path meshesJson =
        file("meshes.json", ok(cli(sourceApi, null, "get", "meshes", "-o", "json")).stdout());
    MeshfedProcess.Result alone = ok(cli(targetApi, null, "apply", "-f", meshesJson.toString()));
    assertThat(alone.stdout()).contains("Mesh 'shop') created").contains("Mesh 'lab') created");

    MeshfedProcess.Result applied = cli(targetApi, export.toString(), "apply", "-f", "-");

    assertThat(applied.exitCode()).as(applied.stdout() + applied.stderr()).isZero();
    assertThat(applied.stdout())
        .doesNotContain("is required")
        .contains("TrafficRoute 'shop/backend-split')")
        .contains("HealthCheck 'shop/backend-health')");
    for (String t : List.of("meshes", "traffic-permissions", "health-checks", "traffic-routes")) {
      assertThat(listed(targetApi, t)).as(t).isEqualTo(listed(sourceApi, t));
    }
    assertThat(listed(targetApi, "timeouts")).isEqualTo(listed(sourceApi, "timeouts"));
  }

  @Test
  void yamlErrorsKeepTheParsersProblemAndUnknownTypesSuggestTheNearest() throws Exception {
    Path broken = file("broken.yaml", "type: Mesh\nname: broken\n- oops\n");
    MeshfedProcess.Result r = cli(targetApi, null, "apply", "-f", broken.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.stderr())
        .contains("cannot parse at line 3, column 1: expected <block end>, but found '-'")
        .contains("while parsing a block mapping started at line 1, column 1")
        .contains("nothing was applied");

    Path typo =
        file(
            "typo.yaml",
            """
            type: TrafficPermision
            name: p
            mesh: default
            sources: [{match: {kuma.io/service: '*'}}]
            destinations: [{match: {kuma.io/service: '*'}}]
            """);
    MeshfedProcess.Result t = cli(targetApi, null, "apply", "-f", typo.toString());
    assertThat(t.exitCode()).isEqualTo(1);
    assertThat(t.stdout())
        .contains("unknown type 'TrafficPermision': did you mean TrafficPermission?");

    MeshfedProcess.Result get = cli(targetApi, null, "get", "traffic-permision");
    assertThat(get.exitCode()).isEqualTo(1);
    assertThat(get.stderr()).contains("did you mean traffic-permissions?");
    assertThat(cli(targetApi, null, "get", "frobnicators").stderr()).doesNotContain("did you mean");
  }

  @Test
  void dryRunCountsValidDocumentsWithEachErrorAndStoresNothing() throws Exception {
    Path f =
        file(
            "dry.yaml",
            """
            type: Mesh
            name: dry
            ---
            type: TrafficPermission
            name: all
            mesh: dry
            sources: [{match: {kuma.io/service: '*'}}]
            destinations: [{match: {kuma.io/service: '*'}}]
            ---
            type: TrafficRout
            name: r
            mesh: dry
            ---
            type: Dataplane
            name: dp-1
            mesh: dry
            networking:
              address: 127.0.0.1
              inbound: [{port: 8080, tags: {kuma.io/service: web}}]
            """);

    MeshfedProcess.Result server = cli(targetApi, null, "apply", "--dry-run", "-f", f.toString());

    assertThat(server.exitCode()).isEqualTo(1);
    assertThat(server.stdout())
        .contains("Mesh 'dry') is valid (dry run: would be created)")
        .contains("TrafficPermission 'dry/all') is valid (dry run: would be created)")
        .contains("did you mean TrafficRoute?")
        .contains("Dataplane 'dry/dp-1'): Method Not Allowed")
        .contains("2 of 4 documents valid (dry run; nothing was applied)");
    assertThat(ok(cli(targetApi, null, "get", "meshes")).stdout()).doesNotContain("dry");

    MeshfedProcess.Result client =
        cli(targetApi, null, "apply", "--dry-run", "client", "-f", f.toString());
    assertThat(client.stdout()).contains("3 of 4 documents valid (dry run, checked locally;");

    Path template =
        file(
            "dry-template.yaml",
            """
            type: ProxyTemplate
            name: pt
            mesh: dry
            selectors: [{match: {kuma.io/service: '*'}}]
            conf:
              imports: [default-proxy]
              modifications:
              - cluster: {operation: patch, value: 'connectTimeout: banana'}
            """);
    MeshfedProcess.Result local =
        cli(targetApi, null, "apply", "--dry-run", "client", "-f", template.toString());
    assertThat(local.stdout())
        .as("the local check knows Envoy's types, as global does")
        .contains("conf.modifications[0].cluster.value")
        .contains("0 of 1 document valid");

    Path syntax = file("dry-syntax.yaml", "type: Mesh\nname: ok\n---\ntype: Mesh\nname: [x\n");
    MeshfedProcess.Result bad = cli(targetApi, null, "apply", "--dry-run", "-f", syntax.toString());
    assertThat(bad.stdout())
        .contains("✗ document 2: cannot parse at line 6, column 1: expected ',' or ']'")
        .doesNotContain("document 2: document 2")
        .contains("1 of 2 documents valid");
  }

  @Test
  void aCrossZoneRouteWithoutMtlsAppliesWithAWarning() throws Exception {
    String mesh = "type: Mesh\nname: plain\n";
    String route =
        """
        type: TrafficRoute
        name: to-zone-2
        mesh: plain
        sources: [{match: {kuma.io/service: '*'}}]
        destinations: [{match: {kuma.io/service: backend}}]
        conf:
          destination: {kuma.io/service: backend, kuma.io/zone: zone-2}
        """;
    MeshfedProcess.Result r =
        ok(
            cli(
                targetApi,
                null,
                "apply",
                "-f",
                file("plain.yaml", mesh + "---\n" + route).toString()));

    assertThat(r.stdout())
        .contains(
            "TrafficRoute 'plain/to-zone-2') created\n  warning: TrafficRoute"
                + " 'plain/to-zone-2' routes to kuma.io/zone [zone-2] but mesh 'plain' has mTLS off")
        .contains("applied 2 of 2 documents");

    MeshfedProcess.Result again = ok(cli(targetApi, mesh, "apply", "-f", "-"));
    assertThat(again.stdout())
        .contains("warning: Mesh 'plain' has mTLS off but its TrafficRoutes [to-zone-2]");
  }

  @Test
  void envoysLogLevelIsCheckedBeforeAnythingStarts() {
    MeshfedProcess.Result r =
        MeshfedProcess.run(
            null,
            "dp",
            "run",
            "--cp-address",
            targetApi,
            "--mesh",
            "default",
            "--name",
            "dp-1",
            "--envoy-log-level",
            "loud");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.stderr())
        .contains("--envoy-log-level 'loud' is not an Envoy log level")
        .contains("trace, debug, info, warning, warn, error, critical, off");
  }
}

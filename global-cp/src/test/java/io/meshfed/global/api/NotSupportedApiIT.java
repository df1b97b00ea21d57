package io.meshfed.global.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.store.ListQuery;
import io.meshfed.store.memory.MemoryResourceStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The global REST API refuses what meshfed does not apply yet with a 400 in Kuma's error shape
 * naming the field, creates and updates alike, and stores nothing.
 */
class NotSupportedApiIT {
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final ObjectMapper json = new ObjectMapper();

  @TempDir Path dataDir;

  private MemoryResourceStore store;
  private GlobalControlPlane cp;
  private String base;

  @BeforeEach
  void start() {
    store = new MemoryResourceStore();
    GlobalConfig config =
        GlobalConfig.load(
            Map.of("api-port", "0", "kds-port", "0", "data-dir", dataDir.toString()),
            Map.of(),
            null);
    cp = new GlobalControlPlane(config, store, Clock.systemUTC()).start();
    base = "http://127.0.0.1:" + cp.apiPort();
  }

  @AfterEach
  void stop() {
    cp.close();
  }

  private HttpResponse<String> put(String path, String yaml) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/yaml")
            .PUT(HttpRequest.BodyPublishers.ofString(yaml))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Asserts a 400 naming exactly {@code fields}, each "not supported yet"; returns the body. */
  private JsonNode assertRefused(HttpResponse<String> response, String... fields) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    JsonNode body = json.readTree(response.body());
    assertThat(body.path("title").asText()).isEqualTo("Resource is not valid");
    assertThat(body.path("causes").findValuesAsText("field")).containsExactlyInAnyOrder(fields);
    assertThat(body.path("causes").findValuesAsText("message"))
        .allSatisfy(m -> assertThat(m).contains("not supported yet"));
    return body;
  }

  private long count(String type) {
    return store.list(ListQuery.all(type)).join().total();
  }

  @Test
  void aZipkinBackendAndTrafficTraceAreStoredABadUrlOrSamplingIsA400NamingTheField()
      throws Exception {
    HttpResponse<String> bad =
        put(
            "/meshes/m",
            """
            type: Mesh
            name: m
            tracing:
              backends: [{name: z, type: zipkin, sampling: 150, conf: {url: 'zipkin:9411'}}]
            """);
    assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
    assertThat(json.readTree(bad.body()).path("causes").findValuesAsText("field"))
        .containsExactlyInAnyOrder("tracing.backends[0].sampling", "tracing.backends[0].conf.url");
    assertThat(store.get(io.meshfed.model.ResourceKey.global("Mesh", "m")).join()).isEmpty();

    HttpResponse<String> mesh =
        put(
            "/meshes/m",
            """
            type: Mesh
            name: m
            tracing:
              defaultBackend: z
              backends:
              - {name: z, type: zipkin, sampling: 100, conf: {url: 'http://127.0.0.1:9411/api/v2/spans'}}
            """);
    assertThat(mesh.statusCode()).as(mesh.body()).isEqualTo(201);
    HttpResponse<String> trace =
        put(
            "/meshes/m/traffic-traces/all",
            "type: TrafficTrace\nname: all\nmesh: m\n"
                + "selectors: [{match: {kuma.io/service: '*'}}]\n");
    assertThat(trace.statusCode()).as(trace.body()).isEqualTo(201);
    assertThat(count("TrafficTrace")).isEqualTo(1);
  }

  @Test
  void refusedTypesAndFieldsAreNeverStored() throws Exception {
    assertThat(put("/meshes/m", "type: Mesh\nname: m\n").statusCode()).isEqualTo(201);
    String head =
        "mesh: m\nsources: [{match: {kuma.io/service: '*'}}]\n"
            + "destinations: [{match: {kuma.io/service: '*'}}]\n";

    assertRefused(
        put(
            "/meshes/m/retries/r",
            "type: Retry\nname: r\n"
                + head
                + "conf: {http: {numRetries: 2, retriableResponseHeaders: [{name: x-retry}]}}\n"),
        "conf.http.retriableResponseHeaders");
    // An update of an existing mesh is refused the same way and leaves it as it was.
    assertRefused(
        put(
            "/meshes/m",
            """
            type: Mesh
            name: m
            metrics:
              enabledBackend: p
              backends: [{name: p, type: prometheus, conf: {aggregate: [{name: a, port: 8000}]}}]
            mtls:
              enabledBackend: ca
              backends: [{name: ca, type: provided, conf: {cert: {secret: c}, key: {secret: k}}}]
            tracing:
              backends: [{name: dd, type: datadog, conf: {address: 127.0.0.1, port: 8126}}]
            """),
        "metrics.backends[0].conf.aggregate",
        "mtls.backends[0].type",
        "tracing.backends[0].type");

    assertThat(store.get(io.meshfed.model.ResourceKey.inMesh("Retry", "m", "r")).join()).isEmpty();
    assertThat(store.get(io.meshfed.model.ResourceKey.global("Mesh", "m")).join())
        .get()
        .satisfies(
            m -> assertThat(m.spec(io.meshfed.model.spec.MeshSpec.class).metrics()).isNull());
    assertThat(
            store.list(ListQuery.all("Retry")).join().items().stream()
                .map(io.meshfed.model.Resource::name))
        .doesNotContain("r");
  }

  @Test
  void theSameFieldsWithoutWhatIsRefusedAreAccepted() throws Exception {
    assertThat(put("/meshes/m", "type: Mesh\nname: m\n").statusCode()).isEqualTo(201);
    String head =
        "mesh: m\nsources: [{match: {kuma.io/service: web}}]\n"
            + "destinations: [{match: {kuma.io/service: backend}}]\n";

    assertThat(
            put(
                    "/meshes/m/timeouts/t",
                    "type: Timeout\nname: t\n"
                        + head
                        + "conf: {connectTimeout: 2s, tcp: {idleTimeout: 5m},"
                        + " http: {requestTimeout: 2s}, grpc: {streamIdleTimeout: 5m}}\n")
                .statusCode())
        .isEqualTo(201);
    assertThat(
            put(
                    "/meshes/m/retries/r",
                    "type: Retry\nname: r\n"
                        + head
                        + "conf: {tcp: {maxConnectAttempts: 2}, http: {numRetries: 2},"
                        + " grpc: {numRetries: 2}}\n")
                .statusCode())
        .isEqualTo(201);
  }
}

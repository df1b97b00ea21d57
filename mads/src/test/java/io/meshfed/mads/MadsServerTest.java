package io.meshfed.mads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.model.Resource;
import io.meshfed.store.memory.MemoryResourceStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The MADS port over real HTTP, fed by an in-memory store. */
class MadsServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TYPE_URL =
      "type.googleapis.com/kuma.observability.v1.MonitoringAssignment";

  private final MemoryResourceStore store = new MemoryResourceStore();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final HttpClient http = HttpClient.newHttpClient();
  private MadsServer server;
  private String base;

  @BeforeEach
  void start() {
    put(
        """
        type: Mesh
        name: default
        metrics:
          enabledBackend: prom-1
          backends:
          - name: prom-1
            type: prometheus
            conf: {skipMTLS: true}
        """);
    put(dataplane("web-01", "10.0.0.1", "web"));
    server =
        MadsServer.builder()
            .who("zone=zone-1")
            .store(store)
            .localZone("zone-1")
            .bind("127.0.0.1", 0)
            .scheduler(scheduler)
            .meterRegistry(new SimpleMeterRegistry())
            .refresh(Duration.ofMillis(50))
            .maxBodyBytes(4096)
            .start();
    base = "http://127.0.0.1:" + server.port();
  }

  @AfterEach
  void stop() {
    server.close();
    scheduler.shutdownNow();
    store.close();
  }

  private void put(String yaml) {
    for (Resource r : Yaml.all(yaml)) {
      store.create(r).join();
    }
  }

  private static String dataplane(String name, String address, String service) {
    return """
        type: Dataplane
        mesh: default
        name: %s
        networking:
          address: %s
          inbound:
          - port: 8080
            tags: {kuma.io/service: %s}
        """
        .formatted(name, address, service);
  }

  /** The request Prometheus's kuma_sd sends (protojson, proto names, empty fields left out). */
  private static String prometheusBody(String version) {
    String v = version.isEmpty() ? "" : "\"version_info\":\"" + version + "\",";
    String nonce = version.isEmpty() ? "" : ",\"response_nonce\":\"" + version + "\"";
    return "{"
        + v
        + "\"node\":{\"id\":\"prometheus\"},\"type_url\":\""
        + TYPE_URL
        + "\""
        + nonce
        + "}";
  }

  private HttpResponse<String> post(String query, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + "/v3/discovery:monitoringassignments" + query))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode first() throws Exception {
    AtomicJson holder = new AtomicJson();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              HttpResponse<String> r = post("?fetch-timeout=0s", prometheusBody(""));
              if (r.statusCode() != 200) {
                return false;
              }
              holder.node = JSON.readTree(r.body());
              return true;
            });
    return holder.node;
  }

  private static final class AtomicJson {
    volatile JsonNode node;
  }

  @Test
  void answersPrometheusRequestWithKumasResponseShape() throws Exception {
    JsonNode response = first();

    assertThat(response.path("type_url").asText()).isEqualTo(TYPE_URL);
    assertThat(response.path("version_info").asText()).isNotEmpty();
    JsonNode a = response.path("resources").get(0);
    assertThat(a.path("@type").asText()).isEqualTo(TYPE_URL);
    assertThat(a.path("mesh").asText()).isEqualTo("default");
    assertThat(a.path("service").asText()).isEqualTo("web");
    JsonNode t = a.path("targets").get(0);
    assertThat(t.path("name").asText()).isEqualTo("web-01");
    assertThat(t.path("scheme").asText()).isEqualTo("http");
    assertThat(t.path("address").asText()).isEqualTo("10.0.0.1:5670");
    assertThat(t.path("metrics_path").asText()).isEqualTo("/metrics");
    assertThat(t.path("labels").path("kuma_io_zone").asText()).isEqualTo("zone-1");
    assertThat(t.path("labels").path("kuma_io_services").asText()).isEqualTo(",web,");
  }

  @Test
  void aLongPollReturnsWhenTheTargetsChangeAndOnlyThen() throws Exception {
    String version = first().path("version_info").asText();

    // the current version: 304 at the timeout, at once without one
    assertThat(post("?fetch-timeout=200ms", prometheusBody(version)).statusCode()).isEqualTo(304);
    assertThat(post("?fetch-timeout=0s", prometheusBody(version)).statusCode()).isEqualTo(304);

    // a policy is no target: the version stays
    put(
        """
        type: TrafficPermission
        mesh: default
        name: all
        sources: [{match: {kuma.io/service: '*'}}]
        destinations: [{match: {kuma.io/service: '*'}}]
        """);
    assertThat(post("?fetch-timeout=300ms", prometheusBody(version)).statusCode()).isEqualTo(304);

    CompletableFuture<HttpResponse<String>> poll =
        http.sendAsync(
            HttpRequest.newBuilder(
                    URI.create(base + "/v3/discovery:monitoringassignments?fetch-timeout=2m0s"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(prometheusBody(version)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(5)).until(() -> waiting() == 1);
    assertThat(poll).isNotDone();

    put(dataplane("backend-01", "10.0.0.2", "backend"));

    HttpResponse<String> changed = poll.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(changed.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(changed.body());
    assertThat(body.path("version_info").asText()).isNotEqualTo(version);
    assertThat(body.path("resources").findValuesAsText("service"))
        .containsExactly("backend", "web");
  }

  private int waiting() {
    return server.longPolls();
  }

  @Test
  void httpSdListsTheSameTargetsWithKumaSdLabels() throws Exception {
    first();
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/http-sd")).GET().build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode group = JSON.readTree(r.body()).get(0);
    assertThat(group.path("targets").get(0).asText()).isEqualTo("10.0.0.1:5670");
    JsonNode labels = group.path("labels");
    assertThat(labels.path("__meta_kuma_mesh").asText()).isEqualTo("default");
    assertThat(labels.path("__meta_kuma_service").asText()).isEqualTo("web");
    assertThat(labels.path("__meta_kuma_dataplane").asText()).isEqualTo("web-01");
    assertThat(labels.path("__meta_kuma_label_kuma_io_zone").asText()).isEqualTo("zone-1");
    assertThat(labels.path("__metrics_path__").asText()).isEqualTo("/metrics");
    assertThat(labels.path("__scheme__").asText()).isEqualTo("http");
  }

  @Test
  void aBadBodyIsRefusedWithKumasTitle() throws Exception {
    for (String bad : new String[] {"", "not json", "{\"node\": \"x\"}", "[1]", "{\"nope\":1}"}) {
      HttpResponse<String> r = post("?fetch-timeout=0s", bad);
      assertThat(r.statusCode()).as(bad).isEqualTo(400);
      assertThat(JSON.readTree(r.body()).path("title").asText())
          .isEqualTo("Could not parse request body");
    }
  }

  @Test
  void aBadTimeoutIsRefusedWithKumasTitle() throws Exception {
    for (String bad :
        new String[] {"?fetch-timeout=soon", "?fetch-timeout=5", "?fetch-timeout=1h"}) {
      HttpResponse<String> r = post(bad, prometheusBody(""));
      assertThat(r.statusCode()).as(bad).isEqualTo(400);
      assertThat(JSON.readTree(r.body()).path("title").asText())
          .isEqualTo("Could not parse fetch-timeout");
    }
  }

  @Test
  void anOversizedBodyIsRefused() throws Exception {
    String big = "{\"version_info\":\"" + "x".repeat(5000) + "\"}";
    HttpResponse<String> r = post("?fetch-timeout=0s", big);

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(JSON.readTree(r.body()).path("title").asText()).isEqualTo("Request body too large");

    // without a Content-Length (chunked), the limit holds while reading
    HttpResponse<String> chunked =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(base + "/v3/discovery:monitoringassignments?fetch-timeout=0s"))
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () ->
                            new java.io.ByteArrayInputStream(
                                big.getBytes(java.nio.charset.StandardCharsets.UTF_8))))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(chunked.statusCode()).isEqualTo(413);
  }

  @Test
  void aTakenPortIsLoggedAndLeavesNoServer() {
    assertThat(
            MadsServer.builder()
                .store(store)
                .bind("127.0.0.1", server.port())
                .meterRegistry(new SimpleMeterRegistry())
                .startOrLog())
        .isEmpty();
    assertThatThrownBy(
            () ->
                MadsServer.builder()
                    .store(store)
                    .bind("127.0.0.1", server.port())
                    .meterRegistry(new SimpleMeterRegistry())
                    .start())
        .hasMessageContaining("cannot serve MADS on 127.0.0.1:" + server.port());
  }

  @Test
  void otherMethodsAndPathsAreRefused() throws Exception {
    assertThat(
            http.send(
                    HttpRequest.newBuilder(URI.create(base + "/v3/discovery:monitoringassignments"))
                        .GET()
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(405);
    assertThat(
            http.send(
                    HttpRequest.newBuilder(URI.create(base + "/config_dump")).GET().build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(404);
  }
}

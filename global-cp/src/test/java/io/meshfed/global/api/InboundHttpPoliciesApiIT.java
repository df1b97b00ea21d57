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
 * FaultInjection and RateLimit over the global REST API at Kuma's paths: created and read back; one
 * aimed only at TCP services refused with a 400 naming the field, and not stored.
 */
class InboundHttpPoliciesApiIT {
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

  private JsonNode get(String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json.readTree(r.body());
  }

  @Test
  void createdAndReadBackAtKumasPaths() throws Exception {
    assertThat(put("/meshes/m", "type: Mesh\nname: m\n").statusCode()).isEqualTo(201);
    HttpResponse<String> fi =
        put(
            "/meshes/m/fault-injections/fi1",
            """
            type: FaultInjection
            mesh: m
            name: fi1
            sources: [{match: {kuma.io/service: web}}]
            destinations: [{match: {kuma.io/service: backend, kuma.io/protocol: http}}]
            conf:
              abort: {httpStatus: 500, percentage: 50}
              delay: {percentage: 50.5, value: 5s}
              responseBandwidth: {limit: 50 mbps, percentage: 50}
            """);
    assertThat(fi.statusCode()).as(fi.body()).isEqualTo(201);
    HttpResponse<String> rl =
        put(
            "/meshes/m/rate-limits/rl1",
            """
            type: RateLimit
            mesh: m
            name: rl1
            sources: [{match: {kuma.io/service: '*'}}]
            destinations: [{match: {kuma.io/service: backend}}]
            conf:
              http:
                requests: 5
                interval: 10s
                onRateLimit: {status: 423, headers: [{key: x-limited, value: 'true', append: true}]}
            """);
    assertThat(rl.statusCode()).as(rl.body()).isEqualTo(201);

    JsonNode readFi = get("/meshes/m/fault-injections/fi1");
    assertThat(readFi.path("type").asText()).isEqualTo("FaultInjection");
    assertThat(readFi.at("/conf/delay/percentage").asDouble()).isEqualTo(50.5);
    assertThat(readFi.at("/conf/responseBandwidth/limit").asText()).isEqualTo("50 mbps");
    JsonNode readRl = get("/meshes/m/rate-limits/rl1");
    assertThat(readRl.at("/conf/http/onRateLimit/headers/0/append").asBoolean()).isTrue();
    assertThat(get("/meshes/m/rate-limits").path("total").asInt()).isEqualTo(1);
  }

  @Test
  void aPolicyThatCouldOnlyBeIgnoredIsRefused() throws Exception {
    assertThat(put("/meshes/m", "type: Mesh\nname: m\n").statusCode()).isEqualTo(201);
    HttpResponse<String> r =
        put(
            "/meshes/m/rate-limits/tcp",
            """
            type: RateLimit
            mesh: m
            name: tcp
            sources: [{match: {kuma.io/service: '*'}}]
            destinations: [{match: {kuma.io/service: db, kuma.io/protocol: tcp}}]
            conf: {http: {requests: 5, interval: 1s}}
            """);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    JsonNode body = json.readTree(r.body());
    assertThat(body.path("causes").findValuesAsText("field"))
        .containsExactly("destinations[0].match[\"kuma.io/protocol\"]");
    assertThat(body.path("causes").findValuesAsText("message").get(0))
        .contains("the policy applies to HTTP inbounds only");

    HttpResponse<String> f =
        put(
            "/meshes/m/fault-injections/no-protocol",
            """
            type: FaultInjection
            mesh: m
            name: no-protocol
            sources: [{match: {kuma.io/service: '*'}}]
            destinations: [{match: {kuma.io/service: backend}}]
            conf: {abort: {httpStatus: 500, percentage: 50}}
            """);
    assertThat(f.statusCode()).as(f.body()).isEqualTo(400);
    assertThat(store.list(ListQuery.all("RateLimit")).join().total()).isZero();
    assertThat(store.list(ListQuery.all("FaultInjection")).join().total()).isZero();
  }
}

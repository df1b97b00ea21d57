package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.model.ControlPlaneMode;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.ListQuery;
import io.meshfed.store.memory.MemoryResourceStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An API opened while its control plane starts ({@link ApiServer#listen}): the index answers, the
 * rest is 503 with {@code Retry-After} naming what starts, and no write is taken before {@link
 * ApiServer#serve}; after it, the full API.
 */
class StartingApiIT {
  private final MemoryResourceStore store = new MemoryResourceStore();
  private final StartGate gate = StartGate.closed("the store's keys");
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final ApiServer api =
      ApiServer.builder()
          .mode(ControlPlaneMode.GLOBAL)
          .bind("127.0.0.1", 0)
          .store(store)
          .codec(new ResourceCodec(TestTypes.registry()))
          .meterRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
          .index(IndexInfo.global("1.2.3", "global-1"))
          .clock(Clock.systemUTC())
          .build()
          .listen(gate);

  @AfterEach
  void close() {
    api.close();
    store.close();
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path));
  }

  private HttpResponse<String> putMesh(String name) throws Exception {
    return send(
        request("/meshes/" + name)
            .header("Content-Type", "application/json")
            .PUT(
                HttpRequest.BodyPublishers.ofString(
                    "{\"type\":\"Mesh\",\"name\":\"" + name + "\"}")));
  }

  private long meshes() {
    return store.list(ListQuery.all(StandardTypes.MESH)).join().total();
  }

  @Test
  void answersTheIndexAndRefusesTheRestWith503UntilServed() throws Exception {
    HttpResponse<String> index = send(request("/"));
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.body()).contains("\"instanceId\":\"global-1\"", "\"mode\":\"global\"");
    HttpResponse<String> ready = send(request("/ready"));
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.body()).isEqualTo("starting: the store's keys");
    assertThat(send(request("/metrics")).statusCode()).isEqualTo(200);

    HttpResponse<String> list = send(request("/meshes"));
    assertThat(list.statusCode()).isEqualTo(503);
    assertThat(list.headers().firstValue("Retry-After")).contains("1");
    assertThat(list.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    assertThat(list.body())
        .contains(
            "GET /meshes: the control plane is starting (the store's keys not ready yet); retry"
                + " after 1s");

    gate.starting("the KDS server");
    HttpResponse<String> write = putMesh("early");
    assertThat(write.statusCode()).isEqualTo(503);
    assertThat(write.headers().firstValue("Retry-After")).contains("1");
    assertThat(write.body()).contains("PUT /meshes/early", "(the KDS server not ready yet)");
    assertThat(meshes()).as("a refused write is not stored").isZero();

    HttpResponse<String> withToken = send(request("/").header("Authorization", "Bearer abc"));
    assertThat(withToken.statusCode())
        .as("a token cannot be checked before the keys are loaded: retry, not 401")
        .isEqualTo(503);
    assertThat(withToken.headers().firstValue("Retry-After")).contains("1");

    api.serve(
        settings ->
            settings.route(
                ApiRoute.get("/late", r -> ApiResponse.text(200, "text/plain", "late"))));

    assertThat(gate.isOpen()).isTrue();
    assertThat(send(request("/ready")).statusCode()).isEqualTo(200);
    assertThat(putMesh("later").statusCode()).isEqualTo(201);
    assertThat(meshes()).isEqualTo(1);
    assertThat(send(request("/meshes")).body()).contains("\"later\"").doesNotContain("early");
    assertThat(send(request("/late")).statusCode()).isEqualTo(200);
  }

  @Test
  void servesOnlyOnce() {
    api.serve(settings -> {});
    assertThatThrownBy(() -> api.serve(settings -> {})).isInstanceOf(IllegalStateException.class);
  }
}

package io.meshfed.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.model.ControlPlaneMode;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.Selector;
import io.meshfed.model.spec.TrafficPermissionSpec;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.memory.MemoryResourceStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/** One API server on 127.0.0.1 over a memory store, and an HTTP client to talk to it. */
final class ApiHarness implements AutoCloseable {
  static final Instant NOW = Instant.parse("2024-05-06T07:08:09Z");

  final ResourceStore store;
  final ResourceCodec codec = new ResourceCodec(TestTypes.registry());
  final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final AtomicBoolean ready = new AtomicBoolean(true);
  final ApiServer server;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  final ObjectMapper json = new ObjectMapper();

  ApiHarness() {
    this(b -> {});
  }

  ApiHarness(Consumer<ApiServer.Builder> customize) {
    this(new MemoryResourceStore(Clock.fixed(NOW, ZoneOffset.UTC), 1000), customize);
  }

  ApiHarness(ResourceStore store, Consumer<ApiServer.Builder> customize) {
    this.store = store;
    ApiServer.Builder b =
        ApiServer.builder()
            .mode(ControlPlaneMode.GLOBAL)
            .bind("127.0.0.1", 0)
            .store(store)
            .codec(codec)
            .meterRegistry(meters)
            .readiness(ready::get)
            .index(IndexInfo.global("1.2.3", "global-1"))
            .hostname("test-host")
            .clock(Clock.fixed(NOW, ZoneOffset.UTC));
    customize.accept(b);
    this.server = b.build().start();
  }

  URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + server.port() + pathAndQuery);
  }

  HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  /**
   * PUT with {@code headers} (name, value, ...); unless they name a {@code Content-Type}, the body
   * is sent as {@code application/json} when it starts with '{', else as {@code application/yaml}.
   */
  HttpResponse<String> put(String path, String body, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(path)).PUT(HttpRequest.BodyPublishers.ofString(body));
    boolean typed = false;
    for (int i = 0; i < headers.length; i += 2) {
      typed |= headers[i].equalsIgnoreCase("Content-Type");
    }
    if (!typed) {
      b.header(
          "Content-Type",
          body.stripLeading().startsWith("{") ? "application/json" : "application/yaml");
    }
    if (headers.length > 0) {
      b.headers(headers);
    }
    return send(b);
  }

  /** PUT with no {@code Content-Type} at all, as a browser's {@code fetch} of a Blob sends it. */
  HttpResponse<String> putWithoutContentType(String path, String body) {
    return send(HttpRequest.newBuilder(uri(path)).PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  HttpResponse<String> delete(String path, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).DELETE();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return send(b);
  }

  JsonNode json(HttpResponse<String> response) {
    try {
      return json.readTree(response.body());
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + response.body(), e);
    }
  }

  /** Fields named in {@code causes} of an error body. */
  List<String> causeFields(HttpResponse<String> response) {
    JsonNode body = json(response);
    return body.path("causes").findValuesAsText("field");
  }

  Resource mesh(String name) {
    return store
        .create(
            new Resource(
                ResourceKey.global(StandardTypes.MESH, name), Meta.EMPTY, MeshSpec.ofMtls(null)))
        .join();
  }

  Resource permission(String mesh, String name, Map<String, String> labels) {
    return store
        .create(
            new Resource(
                ResourceKey.inMesh(StandardTypes.TRAFFIC_PERMISSION, mesh, name),
                Meta.withLabels(labels),
                new TrafficPermissionSpec(
                    List.of(new Selector(Map.of("kuma.io/service", "*"))),
                    List.of(new Selector(Map.of("kuma.io/service", "backend"))))))
        .join();
  }

  /** Everything the store holds, with its revision: equal snapshots mean nothing was written. */
  StoreSnapshot snapshot() {
    StringBuilder all = new StringBuilder();
    for (var type : codec.registry().all()) {
      store
          .list(ListQuery.all(type.name()))
          .join()
          .items()
          .forEach(r -> all.append(r).append('\n'));
    }
    return new StoreSnapshot(store.currentRevision().join(), all.toString());
  }

  record StoreSnapshot(long revision, String contents) {}

  @Override
  public void close() {
    server.close();
    store.close();
    meters.close();
  }
}

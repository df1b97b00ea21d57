package io.meshfed.global;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.api.EarlyApi;
import io.meshfed.global.kds.KdsServerOptions;
import io.meshfed.model.StandardTypes;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ha.LocalCoordination;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.SlowOpeningStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A global whose store is not up yet (etcd still starting) answers its API at once: {@code GET /}
 * 200, {@code /ready} 503, a resource read or write 503 with {@code Retry-After} naming what is
 * starting, and the refused write is not stored; once the store answers, it starts and serves.
 */
class GlobalStartGateIT {
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static boolean canBind(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static HttpRequest.Builder putMesh(String base, String name) {
    return HttpRequest.newBuilder(URI.create(base + "/meshes/" + name))
        .header("Content-Type", "application/yaml")
        .PUT(HttpRequest.BodyPublishers.ofString("type: Mesh\nname: " + name + "\n"));
  }

  @Test
  void answersTheIndexWhileItsStoreOpensAndTakesNoWriteBeforeItIsReady(@TempDir Path dir)
      throws Exception {
    MemoryResourceStore memory = new MemoryResourceStore();
    SlowOpeningStore store = new SlowOpeningStore(memory);
    int apiPort = FreePorts.one();
    GlobalConfig config = config(apiPort, dir);
    String base = "http://127.0.0.1:" + apiPort;
    try (GlobalControlPlane cp = new GlobalControlPlane(config, store, Clock.systemUTC())) {
      CompletableFuture<GlobalControlPlane> started = CompletableFuture.supplyAsync(cp::start);

      HttpResponse<String> index =
          await("GET / while the store opens")
              .atMost(Duration.ofSeconds(30))
              .ignoreExceptions()
              .until(
                  () -> send(HttpRequest.newBuilder(URI.create(base + "/"))),
                  r -> r.statusCode() == 200);
      assertThat(index.body()).contains("\"mode\":\"global\"", cp.instanceId());
      assertThat(store.callsWhileOpening.get()).as("start waits for the store").isPositive();
      assertThat(started).isNotDone();

      HttpResponse<String> ready = send(HttpRequest.newBuilder(URI.create(base + "/ready")));
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).startsWith("starting: ");
      HttpResponse<String> list = send(HttpRequest.newBuilder(URI.create(base + "/meshes")));
      assertThat(list.statusCode()).isEqualTo(503);
      assertThat(list.headers().firstValue("Retry-After")).contains("1");
      assertThat(list.body()).contains("GET /meshes: the control plane is starting");
      HttpResponse<String> write = send(putMesh(base, "early"));
      assertThat(write.statusCode()).isEqualTo(503);
      assertThat(write.headers().firstValue("Retry-After")).contains("1");
      assertThat(write.body()).contains("PUT /meshes/early: the control plane is starting");

      store.open();
      started.get(60, TimeUnit.SECONDS);
      assertThat(cp.isReady()).isTrue();
      assertThat(send(HttpRequest.newBuilder(URI.create(base + "/ready"))).statusCode())
          .isEqualTo(200);
      assertThat(memory.list(ListQuery.all(StandardTypes.MESH)).join().total())
          .as("the write refused during start was not taken")
          .isZero();
      assertThat(send(putMesh(base, "later")).statusCode()).isEqualTo(201);
      assertThat(memory.list(ListQuery.all(StandardTypes.MESH)).join().items())
          .extracting(r -> r.key().name())
          .containsExactly("later");
    }
  }

  @Test
  void answersBeforeItsStoreIsOpenedThenTakesOverTheApi(@TempDir Path dir) throws Exception {
    int apiPort = FreePorts.one();
    GlobalConfig config = config(apiPort, dir);
    String base = "http://127.0.0.1:" + apiPort;
    String instanceId = GlobalControlPlane.newInstanceId();
    EarlyApi api =
        GlobalControlPlane.listenEarly(
            config,
            instanceId,
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            Clock.systemUTC());
    try {
      // no store exists yet: the index, the probes and 503 + Retry-After to the rest
      HttpResponse<String> index = send(HttpRequest.newBuilder(URI.create(base + "/")));
      assertThat(index.statusCode()).isEqualTo(200);
      assertThat(index.body()).contains("\"mode\":\"global\"", instanceId);
      HttpResponse<String> ready = send(HttpRequest.newBuilder(URI.create(base + "/ready")));
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).isEqualTo("starting: the store");
      assertThat(send(HttpRequest.newBuilder(URI.create(base + "/metrics"))).statusCode())
          .isEqualTo(200);
      HttpResponse<String> read = send(HttpRequest.newBuilder(URI.create(base + "/meshes/early")));
      assertThat(read.statusCode()).isEqualTo(503);
      assertThat(read.headers().firstValue("Retry-After")).contains("1");
      HttpResponse<String> write = send(putMesh(base, "early"));
      assertThat(write.statusCode()).isEqualTo(503);
      assertThat(write.headers().firstValue("Retry-After")).contains("1");
      assertThat(write.body())
          .contains("PUT /meshes/early: the control plane is starting (the store not ready yet)");
    } catch (RuntimeException | Error e) {
      api.close();
      throw e;
    }

    MemoryResourceStore memory = new MemoryResourceStore();
    try (GlobalControlPlane cp =
        GlobalControlPlane.secured(
            config,
            memory,
            Clock.systemUTC(),
            KdsServerOptions.defaults(),
            new LocalCoordination(instanceId),
            api)) {
      cp.start();

      assertThat(cp.apiPort()).isEqualTo(apiPort);
      assertThat(cp.meterRegistry()).isSameAs(api.meters());
      assertThat(send(HttpRequest.newBuilder(URI.create(base + "/ready"))).statusCode())
          .isEqualTo(200);
      assertThat(send(HttpRequest.newBuilder(URI.create(base + "/"))).body())
          .contains("\"clusterId\":\"" + cp.clusterId() + "\"");
      assertThat(memory.list(ListQuery.all(StandardTypes.MESH)).join().total())
          .as("the write refused before the store opened was not taken")
          .isZero();
      HttpResponse<String> later = send(putMesh(base, "later"));
      assertThat(later.statusCode()).as(later.body()).isEqualTo(201);
      assertThat(memory.list(ListQuery.all(StandardTypes.MESH)).join().items())
          .extracting(r -> r.key().name())
          .containsExactly("later");
    }
    assertThat(canBind(apiPort)).as("the API's port is released on close").isTrue();
  }

  @Test
  void closingTheEarlyApiReleasesItsPort(@TempDir Path dir) throws Exception {
    int apiPort = FreePorts.one();
    GlobalConfig config =
        GlobalConfig.load(
            Map.of("api-port", String.valueOf(apiPort), "data-dir", dir.toString()),
            Map.of(),
            null);
    EarlyApi api =
        GlobalControlPlane.listenEarly(
            config,
            GlobalControlPlane.newInstanceId(),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            Clock.systemUTC());
    assertThat(canBind(apiPort)).isFalse();

    api.close();

    assertThat(canBind(apiPort)).isTrue();
  }

  /** A global on {@code apiPort} with KDS on any free port and its data in {@code dir}. */
  private static GlobalConfig config(int apiPort, Path dir) {
    return GlobalConfig.load(
        Map.of("api-port", String.valueOf(apiPort), "kds-port", "0", "data-dir", dir.toString()),
        Map.of(),
        null);
  }
}

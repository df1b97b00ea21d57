package io.meshfed.zone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.api.EarlyApi;
import io.meshfed.store.ha.LocalCoordination;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.SlowOpeningStore;
import io.meshfed.zone.kds.KdsClientOptions;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A zone whose store is not up yet answers {@code GET /} at once (with its zone and configured xDS
 * port), {@code /ready} and the rest 503 with {@code Retry-After}; once the store answers it serves
 * the full API.
 */
class ZoneStartGateIT {
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private HttpResponse<String> get(String base, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void answersTheIndexWhileItsStoreOpens(@TempDir Path dir) throws Exception {
    SlowOpeningStore store = new SlowOpeningStore(new MemoryResourceStore());
    int apiPort = FreePorts.one();
    int xdsPort = FreePorts.one();
    Map<String, String> flags = new HashMap<>();
    flags.put("zone", "zone-1");
    flags.put("global-address", "grpc://127.0.0.1:" + FreePorts.one());
    flags.put("kds-insecure", "true");
    flags.put("zone-token-file", Files.writeString(dir.resolve("token"), "t\n").toString());
    flags.put("api-port", String.valueOf(apiPort));
    flags.put("xds-port", String.valueOf(xdsPort));
    flags.put("data-dir", dir.resolve("data").toString());
    String base = "http://127.0.0.1:" + apiPort;
    try (ZoneControlPlane cp =
        new ZoneControlPlane(ZoneConfig.load(flags, Map.of(), null), store, Clock.systemUTC())) {
      CompletableFuture<ZoneControlPlane> started = CompletableFuture.supplyAsync(cp::start);

      HttpResponse<String> index =
          await("GET / while the store opens")
              .atMost(Duration.ofSeconds(30))
              .ignoreExceptions()
              .until(() -> get(base, "/"), r -> r.statusCode() == 200);
      assertThat(index.body())
          .contains("\"zone\":\"zone-1\"", "\"xdsPort\":" + xdsPort, "\"mode\":\"zone\"");
      assertThat(started).isNotDone();
      HttpResponse<String> ready = get(base, "/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).startsWith("starting: ");
      HttpResponse<String> status = get(base, "/status/global");
      assertThat(status.statusCode()).isEqualTo(503);
      assertThat(status.headers().firstValue("Retry-After")).contains("1");
      assertThat(status.body()).contains("GET /status/global: the control plane is starting");

      store.open();
      started.get(60, TimeUnit.SECONDS);
      assertThat(get(base, "/status/global").statusCode()).isEqualTo(200);
      assertThat(get(base, "/meshes").statusCode()).isEqualTo(200);
      // never synced with global: served, not ready
      assertThat(get(base, "/ready").statusCode()).isEqualTo(503);
    }
  }

  @Test
  void answersBeforeItsStoreIsOpenedThenTakesOverTheApi(@TempDir Path dir) throws Exception {
    int apiPort = FreePorts.one();
    Map<String, String> flags = new HashMap<>();
    flags.put("zone", "zone-1");
    flags.put("global-address", "grpc://127.0.0.1:" + FreePorts.one());
    flags.put("kds-insecure", "true");
    flags.put("zone-token-file", Files.writeString(dir.resolve("token"), "t\n").toString());
    flags.put("api-port", String.valueOf(apiPort));
    flags.put("xds-port", "0");
    flags.put("data-dir", dir.resolve("data").toString());
    ZoneConfig config = ZoneConfig.load(flags, Map.of(), null);
    String base = "http://127.0.0.1:" + apiPort;
    String instanceId = ZoneControlPlane.newInstanceId("zone-1");
    EarlyApi api =
        ZoneControlPlane.listenEarly(
            config,
            instanceId,
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            Clock.systemUTC());
    MemoryResourceStore memory;
    try {
      // no store exists yet: the index, the probes and 503 + Retry-After to the rest
      HttpResponse<String> index = get(base, "/");
      assertThat(index.statusCode()).isEqualTo(200);
      assertThat(index.body()).contains("\"zone\":\"zone-1\"", "\"mode\":\"zone\"", instanceId);
      HttpResponse<String> ready = get(base, "/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).isEqualTo("starting: the store");
      HttpResponse<String> write =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/meshes/default/dataplanes/dp-1"))
                  .header("Content-Type", "application/yaml")
                  .PUT(HttpRequest.BodyPublishers.ofString("type: Dataplane\n"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(write.statusCode()).isEqualTo(503);
      assertThat(write.headers().firstValue("Retry-After")).contains("1");
      assertThat(write.body()).contains("the control plane is starting (the store not ready yet)");
      memory = new MemoryResourceStore();
    } catch (RuntimeException | Error e) {
      api.close();
      throw e;
    }

    try (ZoneControlPlane cp =
        new ZoneControlPlane(
            config,
            memory,
            Clock.systemUTC(),
            config.kdsClientOptions(KdsClientOptions.defaults()),
            new LocalCoordination(instanceId),
            api)) {
      cp.start();

      assertThat(cp.apiPort()).isEqualTo(apiPort);
      assertThat(cp.meterRegistry()).isSameAs(api.meters());
      assertThat(get(base, "/").body()).contains("\"xdsPort\":" + cp.xdsPort());
      assertThat(get(base, "/status/global").statusCode()).isEqualTo(200);
      assertThat(get(base, "/meshes").statusCode()).isEqualTo(200);
      // never synced with global: served, not ready
      assertThat(get(base, "/ready").body()).isEqualTo("not ready");
    }
  }
}

package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.StallingStore;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A store that stops answering (calls accepted, never completed: a dead network to etcd) must not
 * wedge the API: probes answer at once, /ready says why it is 503, writes with an unknown outcome
 * are 504, and once the circuit is open calls fail fast without reaching the store.
 */
class StoreOutageIT {
  private final StallingStore store =
      new StallingStore(new MemoryResourceStore(Clock.systemUTC(), 100));
  private final ApiHarness api =
      new ApiHarness(
          store,
          b ->
              b.storeTimeout(Duration.ofMillis(500))
                  .circuitBreaker(3, Duration.ofSeconds(30))
                  .probeInterval(Duration.ofMillis(100))
                  .threads(4, 8));

  @AfterEach
  void close() {
    api.close();
  }

  private static final String MESH = "{\"type\":\"Mesh\",\"name\":\"%s\"}";

  private CompletableFuture<HttpResponse<String>> putAsync(String name) {
    return api.http.sendAsync(
        HttpRequest.newBuilder(api.uri("/meshes/" + name))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(String.format(MESH, name)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private long millis(Runnable r) {
    long start = System.nanoTime();
    r.run();
    return (System.nanoTime() - start) / 1_000_000;
  }

  @Test
  void probesAnswerAtOnceAndReadySaysWhyWhileWritersHammerAHungStore() {
    assertThat(api.get("/ready").statusCode()).isEqualTo(200);
    store.down.set(true);
    List<CompletableFuture<HttpResponse<String>>> writes = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      writes.add(putAsync("m-" + i));
    }
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(api.get("/ready").statusCode()).isEqualTo(503));
    HttpResponse<String> ready = api.get("/ready");
    assertThat(ready.body()).contains("resource store did not answer");
    for (int i = 0; i < 20; i++) {
      // on the JDK server these waited behind the writers for 10 s and more
      assertThat(millis(() -> assertThat(api.get("/").statusCode()).isEqualTo(200)))
          .isLessThan(1000);
      assertThat(millis(() -> assertThat(api.get("/ready").statusCode()).isEqualTo(503)))
          .isLessThan(1000);
    }
    List<Integer> statuses = new ArrayList<>();
    for (var w : writes) {
      HttpResponse<String> r = w.join();
      statuses.add(r.statusCode());
      assertThat(r.statusCode()).as(r.body()).isIn(503, 504);
      if (r.statusCode() == 503) {
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
      } else {
        assertThat(api.json(r).get("detail").asText())
            .startsWith("outcome unknown, read before retrying");
      }
    }
    assertThat(statuses).contains(503);

    store.down.set(false);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(api.get("/ready").statusCode()).isEqualTo(200));
  }

  @Test
  void aWriteTheStoreDoesNotAnswerIs504AReadIs503AndAnOpenCircuitFailsFast() {
    store.writesHang.set(true);
    HttpResponse<String> write =
        api.put("/meshes/m", String.format(MESH, "m"), "Content-Type", "application/json");
    assertThat(write.statusCode()).as(write.body()).isEqualTo(504);
    assertThat(api.json(write).get("detail").asText())
        .startsWith("outcome unknown, read before retrying");

    store.down.set(true);
    HttpResponse<String> read = api.get("/meshes/m");
    assertThat(read.statusCode()).as(read.body()).isEqualTo(503);
    assertThat(read.headers().firstValue("Retry-After")).contains("1");
    api.get("/meshes");

    // three failures opened the circuit: calls now fail at once and never reach the store
    int reached = store.callsWhileDown.get();
    long took =
        millis(
            () -> {
              for (int i = 0; i < 10; i++) {
                HttpResponse<String> r = api.get("/meshes/m");
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(api.json(r).get("detail").asText()).contains("nothing was written");
              }
            });
    assertThat(took).isLessThan(2000);
    // only the readiness probe (which bypasses the circuit) reaches the store now
    assertThat(store.callsWhileDown.get() - reached).isLessThan(30);
    HttpResponse<String> refusedWrite =
        api.put("/meshes/m", String.format(MESH, "m"), "Content-Type", "application/json");
    assertThat(refusedWrite.statusCode()).isEqualTo(503);
  }

  @Test
  void aFullQueueShedsWith503AndRetryAfterWhileProbesStillAnswer() {
    store.down.set(true);
    List<CompletableFuture<HttpResponse<String>>> reads = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      reads.add(
          api.http.sendAsync(
              HttpRequest.newBuilder(api.uri("/meshes/m-" + i)).GET().build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    assertThat(api.get("/").statusCode()).isEqualTo(200);
    List<HttpResponse<String>> busy = new ArrayList<>();
    for (var r : reads) {
      HttpResponse<String> response = r.join();
      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(response.headers().firstValue("Retry-After")).contains("1");
      if (api.json(response).get("detail").asText().contains("busy")) {
        busy.add(response);
      }
    }
    assertThat(busy).isNotEmpty();
  }
}

package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.testing.EtcdProcess;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.MeshfedProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Section 2 of issue 9 on real processes: a global on a real etcd under 200 concurrent writers;
 * etcd is killed with SIGKILL for 20 s, then restarted. Probes must answer at once throughout,
 * {@code /ready} must be 503 during the outage and 200 after, every write that got a 2xx must be
 * there after recovery, and the same global process must recover by itself.
 */
class StoreOutageIT {
  private static final int WRITERS = 200;
  private static final Duration OUTAGE = Duration.ofSeconds(20);

  @TempDir Path dir;

  private final PlainHttp plain = new PlainHttp();
  private final HttpClient http = plain.client;

  /** The probes' own client: they never queue behind the writers' connections. */
  private final HttpClient probeHttp =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private final ObjectMapper json = new ObjectMapper();

  private record Probe(String path, long startedNanos, long micros, int status, String phase) {}

  @Test
  void probesStayFastAndAcknowledgedWritesSurviveAnEtcdCrash() throws Exception {
    try (EtcdProcess etcd = EtcdProcess.launch()) {
      int apiPort = FreePorts.one();
      String api = "http://127.0.0.1:" + apiPort;
      MeshfedProcess global =
          MeshfedProcess.start(
                  dir.resolve("global.log"),
                  "global",
                  "run",
                  "--store",
                  "etcd",
                  "--etcd-endpoints",
                  etcd.clientUrl(),
                  "--api-port",
                  String.valueOf(apiPort),
                  "--kds-port",
                  String.valueOf(FreePorts.one()),
                  "--data-dir",
                  dir.resolve("global").toString())
              .awaitReady(api);
      try {
        assertThat(plain.put(api, "/meshes/default", "{\"type\":\"Mesh\",\"name\":\"default\"}"))
            .isEqualTo(201);
        run(api, etcd, global);
      } finally {
        System.out.println("===== global log tail\n" + tail(global.logText(), 3000));
        global.close();
      }
    }
  }

  private void run(String api, EtcdProcess etcd, MeshfedProcess global) throws Exception {
    AtomicReference<String> phase = new AtomicReference<>("before");
    AtomicBoolean stop = new AtomicBoolean();
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
    ConcurrentLinkedQueue<Probe> probes = new ConcurrentLinkedQueue<>();

    ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
    for (int w = 0; w < WRITERS; w++) {
      int writer = w;
      writers.execute(() -> write(api, writer, stop, acknowledged, statuses));
    }
    ScheduledExecutorService prober = Executors.newSingleThreadScheduledExecutor();
    prober.scheduleWithFixedDelay(
        () -> {
          probes.add(probe(api, "/", phase.get()));
          probes.add(probe(api, "/ready", phase.get()));
        },
        0,
        50,
        TimeUnit.MILLISECONDS);
    try {
      await().pollDelay(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6)).until(() -> true);
      phase.set("outage");
      long killedAt = System.nanoTime();
      etcd.kill();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> !probes.isEmpty() && lastReady(probes) == 503);
      phase.set("outage-noticed");
      await()
          .pollDelay(OUTAGE.minusNanos(System.nanoTime() - killedAt))
          .atMost(OUTAGE)
          .until(() -> true);
      phase.set("recovery");
      etcd.start();
      await().atMost(Duration.ofSeconds(30)).until(() -> lastReady(probes) == 200);
      phase.set("after");
      await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
    } finally {
      stop.set(true);
      prober.shutdown();
      writers.shutdown();
      assertThat(writers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
      prober.awaitTermination(10, TimeUnit.SECONDS);
    }

    for (String name : List.of("before", "outage", "outage-noticed", "recovery", "after")) {
      System.out.println(
          "store outage figures, phase "
              + name
              + ": "
              + figures(probes, p -> p.phase().equals(name)));
    }
    System.out.printf(
        "store outage figures, all: %s; writes by status %s; acknowledged %d%n",
        figures(probes, p -> true), statuses, acknowledged.size());
    List<Long> latencies = latencies(probes, p -> true);
    long p99 = latencies.get((int) (latencies.size() * 0.99));
    long max = latencies.get(latencies.size() - 1);

    // Probes answered at once throughout: on the JDK server they waited behind the store calls
    // for 17-40 s. The tail is bounded loosely: this machine's 2 cores are shared with other
    // builds, and a timing goal belongs in the printed figures, not in a flaky assertion.
    List<Long> noticed = latencies(probes, p -> p.phase().equals("outage-noticed"));
    assertThat(noticed.get(noticed.size() / 2))
        .as("probe p50 during the outage (us)")
        .isLessThan(100_000);
    assertThat(p99).as("probe p99 (us)").isLessThan(1_000_000);
    assertThat(max).as("probe max (us)").isLessThan(5_000_000);
    assertThat(probes).allSatisfy(p -> assertThat(p.status()).isIn(200, 503));
    // /ready said 503 through the noticed outage and 200 after
    assertThat(probes)
        .filteredOn(p -> p.path().equals("/ready") && p.phase().equals("outage-noticed"))
        .isNotEmpty()
        .allSatisfy(p -> assertThat(p.status()).isEqualTo(503));
    assertThat(probes)
        .filteredOn(p -> p.path().equals("/ready") && p.phase().equals("after"))
        .isNotEmpty()
        .allSatisfy(p -> assertThat(p.status()).isEqualTo(200));
    assertThat(statuses.keySet()).allSatisfy(s -> assertThat(s).isIn(200, 201, 503, 504));
    assertThat(statuses.getOrDefault(503, 0)).isPositive();
    assertThat(acknowledged).isNotEmpty();
    // the same process recovered, and kept every acknowledged write
    assertThat(global.isAlive()).isTrue();
    Set<String> stored = listNames(api);
    Set<String> lost = new HashSet<>(acknowledged);
    lost.removeAll(stored);
    assertThat(lost).as("acknowledged writes missing after recovery").isEmpty();
  }

  private static List<Long> latencies(
      ConcurrentLinkedQueue<Probe> probes, java.util.function.Predicate<Probe> which) {
    List<Long> out = new ArrayList<>();
    probes.stream().filter(which).forEach(p -> out.add(p.micros()));
    Collections.sort(out);
    return out;
  }

  private static String figures(
      ConcurrentLinkedQueue<Probe> probes, java.util.function.Predicate<Probe> which) {
    List<Long> l = latencies(probes, which);
    if (l.isEmpty()) {
      return "no probes";
    }
    return String.format(
        "%d probes, p50 %.1f ms, p99 %.1f ms, max %.1f ms",
        l.size(),
        l.get(l.size() / 2) / 1000.0,
        l.get((int) (l.size() * 0.99)) / 1000.0,
        l.get(l.size() - 1) / 1000.0);
  }

  private static int lastReady(ConcurrentLinkedQueue<Probe> probes) {
    int status = -1;
    for (Probe p : probes) {
      if (p.path().equals("/ready")) {
        status = p.status();
      }
    }
    return status;
  }

  private Probe probe(String api, String path, String phase) {
    long start = System.nanoTime();
    int status;
    try {
      status =
          probeHttp
              .send(
                  HttpRequest.newBuilder(URI.create(api + path))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode();
    } catch (Exception e) {
      status = -1;
    }
    return new Probe(path, start, (System.nanoTime() - start) / 1000, status, phase);
  }

  /** Writes until told to stop; honours Retry-After as a well-behaved client does. */
  private void write(
      String api,
      int writer,
      AtomicBoolean stop,
      Set<String> acknowledged,
      Map<Integer, Integer> statuses) {
    for (int n = 0; !stop.get(); n++) {
      String name = "w" + writer + "-" + n;
      int status;
      String retryAfter = null;
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(
                        URI.create(api + "/meshes/default/traffic-permissions/" + name))
                    .timeout(Duration.ofSeconds(15))
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(permission(name)))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        status = r.statusCode();
        retryAfter = r.headers().firstValue("Retry-After").orElse(null);
      } catch (Exception e) {
        status = -1;
      }
      statuses.merge(status, 1, Integer::sum);
      if (status / 100 == 2) {
        acknowledged.add(name);
      }
      long pauseMillis = retryAfter != null ? Long.parseLong(retryAfter) * 1000 : 200;
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(pauseMillis));
    }
  }

  private static String permission(String name) {
    return "{\"type\":\"TrafficPermission\",\"mesh\":\"default\",\"name\":\""
        + name
        + "\",\"sources\":[{\"match\":{\"kuma.io/service\":\"*\"}}],"
        + "\"destinations\":[{\"match\":{\"kuma.io/service\":\""
        + name
        + "\"}}]}";
  }

  private Set<String> listNames(String api) throws Exception {
    Set<String> names = new HashSet<>();
    String next = api + "/meshes/default/traffic-permissions?size=1000";
    while (next != null) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(next)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode body = json.readTree(r.body());
      body.path("items").forEach(i -> names.add(i.path("name").asText()));
      next = body.path("next").isTextual() ? body.path("next").asText() : null;
    }
    return names;
  }

  private static String tail(String text, int chars) {
    return text.length() <= chars ? text : text.substring(text.length() - chars);
  }
}

package io.meshfed.bench;

import io.meshfed.api.ApiServer;
import io.meshfed.api.IndexInfo;
import io.meshfed.model.ControlPlaneMode;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.StallingStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * How fast {@code GET /} and {@code GET /ready} answer while writers hammer a store that stopped
 * answering (every call accepted, none completed: etcd behind a dead network). Uses only the API
 * server's long-standing builder settings, so the same file measures older transports too.
 *
 * <p>Usage: {@code ProbeLatencyBench [writers=200] [seconds=20]}; {@code -1} in the statuses is a
 * probe that got no answer within 60 s.
 */
public final class ProbeLatencyBench {
  private ProbeLatencyBench() {}

  public static void main(String[] args) throws Exception {
    int writers = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    StallingStore store = new StallingStore(new MemoryResourceStore(Clock.systemUTC(), 1000));
    ResourceCodec codec = new ResourceCodec(StandardTypes.registry());
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ApiServer server =
        ApiServer.builder()
            .mode(ControlPlaneMode.GLOBAL)
            .bind("127.0.0.1", 0)
            .store(store)
            .codec(codec)
            .meterRegistry(meters)
            .index(IndexInfo.global("bench", "bench-1"))
            .clock(Clock.systemUTC())
            .build()
            .start();
    String api = "http://127.0.0.1:" + server.port();
    HttpClient writerHttp = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpClient probeHttp = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    send(writerHttp, api, "/meshes/default", "{\"type\":\"Mesh\",\"name\":\"default\"}");
    store.down.set(true);

    AtomicBoolean stop = new AtomicBoolean();
    Map<Integer, Integer> writeStatuses = new ConcurrentHashMap<>();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            writers,
            r -> {
              Thread t = new Thread(r, "bench-writer");
              t.setDaemon(true);
              return t;
            });
    for (int w = 0; w < writers; w++) {
      int writer = w;
      pool.execute(
          () -> {
            for (int n = 0; !stop.get(); n++) {
              String name = "w" + writer + "-" + n;
              int status =
                  send(
                      writerHttp,
                      api,
                      "/meshes/default/traffic-permissions/" + name,
                      "{\"type\":\"TrafficPermission\",\"mesh\":\"default\",\"name\":\""
                          + name
                          + "\",\"sources\":[{\"match\":{\"kuma.io/service\":\"*\"}}],"
                          + "\"destinations\":[{\"match\":{\"kuma.io/service\":\"*\"}}]}");
              writeStatuses.merge(status, 1, Integer::sum);
              LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
          });
    }
    Map<String, List<Long>> latencies = Map.of("/", new ArrayList<>(), "/ready", new ArrayList<>());
    Map<Integer, Integer> readyStatuses = new ConcurrentHashMap<>();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < end) {
      for (String path : List.of("/", "/ready")) {
        long start = System.nanoTime();
        int status;
        try {
          status =
              probeHttp
                  .send(
                      HttpRequest.newBuilder(URI.create(api + path))
                          .timeout(Duration.ofSeconds(60))
                          .build(),
                      HttpResponse.BodyHandlers.discarding())
                  .statusCode();
        } catch (java.io.IOException e) {
          status = -1; // no answer within 60 s
        }
        latencies.get(path).add((System.nanoTime() - start) / 1000);
        if (path.equals("/ready")) {
          readyStatuses.merge(status, 1, Integer::sum);
        }
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
    stop.set(true);
    store.down.set(false);
    pool.shutdownNow();
    System.out.printf(
        "probe latency while %d writers hit a hung store for %d s (%d cores)%n",
        writers, seconds, Runtime.getRuntime().availableProcessors());
    for (var e : latencies.entrySet()) {
      List<Long> l = e.getValue();
      Collections.sort(l);
      System.out.printf(
          "  GET %-6s %4d probes  p50 %9.1f ms  p99 %9.1f ms  max %9.1f ms%n",
          e.getKey(),
          l.size(),
          l.get(l.size() / 2) / 1000.0,
          l.get((int) (l.size() * 0.99)) / 1000.0,
          l.get(l.size() - 1) / 1000.0);
    }
    System.out.println("  /ready statuses " + readyStatuses + ", write statuses " + writeStatuses);
    server.close();
    System.exit(0);
  }

  private static int send(HttpClient http, String api, String path, String body) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create(api + path))
                  .timeout(Duration.ofSeconds(120))
                  .header("Content-Type", "application/json")
                  .PUT(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return -1;
    }
  }
}

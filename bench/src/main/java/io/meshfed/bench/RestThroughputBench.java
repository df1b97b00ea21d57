package io.meshfed.bench;

import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.model.StandardTypes;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.embedded.EmbeddedResourceStore;
import io.meshfed.store.etcd.EtcdResourceStore;
import io.meshfed.store.etcd.EtcdStoreOptions;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.EtcdProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * REST write and read throughput of the global control plane, on the memory store and on a real
 * etcd. Prints resources per second per run and the median of the runs.
 *
 * <p>Usage: {@code RestThroughputBench [resources=2000] [runs=5] [concurrency=16]
 * [stores=memory,embedded,etcd]}. The client speaks HTTP/1.1 and keeps its connections alive (at
 * most one per request in flight).
 */
public final class RestThroughputBench {
  private RestThroughputBench() {}

  /**
   * One run: requests per second, and the CPU time the whole process (server and client) spent per
   * write and per read, which a busy machine changes less than the rates.
   */
  record Run(
      double writesPerSec,
      double readsPerSec,
      double listedPerSec,
      double cpuMicrosPerWrite,
      double cpuMicrosPerRead,
      double jitMicrosPerWrite,
      double serverMicrosPerWrite) {}

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean)
          java.lang.management.ManagementFactory.getOperatingSystemMXBean();

  public static void main(String[] args) throws Exception {
    int resources = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 16;
    List<String> stores = List.of((args.length > 3 ? args[3] : "memory,embedded,etcd").split(","));
    System.out.printf(
        "REST throughput: %d TrafficPermissions per run, %d runs, %d requests in flight, %d cores,"
            + " stores %s%n",
        resources, runs, concurrency, Runtime.getRuntime().availableProcessors(), stores);

    Map<String, List<Run>> results = new LinkedHashMap<>();
    for (String name : stores) {
      switch (name) {
        case "memory" ->
            results.put(
                name, runs(name, runs, resources, concurrency, i -> new MemoryResourceStore()));
        case "embedded" ->
            results.put(
                name,
                runs(
                    name,
                    runs,
                    resources,
                    concurrency,
                    i ->
                        EmbeddedResourceStore.open(
                            Files.createTempDirectory("meshfed-bench-store-"),
                            StandardTypes.registry(),
                            Clock.systemUTC())));
        case "etcd" -> {
          try (EtcdProcess process = EtcdProcess.launch()) {
            results.put(
                name,
                runs(
                    name,
                    runs,
                    resources,
                    concurrency,
                    i ->
                        EtcdResourceStore.connect(
                            EtcdStoreOptions.of(process.clientUrl()).withPrefix("/bench-" + i),
                            StandardTypes.registry(),
                            Clock.systemUTC())));
          }
        }
        default ->
            throw new IllegalArgumentException(
                "unknown store '" + name + "' (expected memory, embedded or etcd)");
      }
    }
    System.out.println();
    System.out.println(
        "store    writes/s (median)   reads/s (median)   listed/s (median)   CPU us/write (median)"
            + "   without JIT (median)");
    results.forEach(RestThroughputBench::summary);
    results.forEach(
        (name, list) ->
            System.out.printf(
                "BENCH rest_writes_per_second{store=%s}=%.0f%nBENCH"
                    + " rest_cpu_micros_per_write{store=%s}=%.0f%nBENCH"
                    + " rest_cpu_micros_per_write_without_jit{store=%s}=%.0f%nBENCH"
                    + " rest_server_cpu_micros_per_write{store=%s}=%.0f%n",
                name,
                median(list.stream().map(Run::writesPerSec).toList()),
                name,
                median(list.stream().map(Run::cpuMicrosPerWrite).toList()),
                name,
                median(list.stream().map(r -> r.cpuMicrosPerWrite - r.jitMicrosPerWrite).toList()),
                name,
                median(list.stream().map(Run::serverMicrosPerWrite).toList())));
  }

  /** A store for run {@code i}. */
  @FunctionalInterface
  interface StoreFactory {
    ResourceStore open(int run) throws Exception;
  }

  /** One warm-up run (not counted: the JIT warms up), then {@code runs} measured runs. */
  private static List<Run> runs(
      String name, int runs, int resources, int concurrency, StoreFactory stores) throws Exception {
    List<Run> measured = new ArrayList<>();
    for (int i = 0; i < runs + 1; i++) {
      Run r = measure(stores.open(i), resources, concurrency);
      if (i > 0) {
        measured.add(r);
        print(name, i, r);
      }
    }
    return measured;
  }

  private static void print(String store, int run, Run r) {
    System.out.printf(
        "  %-8s run %d: %8.0f writes/s %8.0f reads/s %9.0f listed/s %7.0f us CPU/write %7.0f us"
            + " CPU/read %7.0f us of it JIT/write %7.0f us server threads/write%n",
        store,
        run,
        r.writesPerSec,
        r.readsPerSec,
        r.listedPerSec,
        r.cpuMicrosPerWrite,
        r.cpuMicrosPerRead,
        r.jitMicrosPerWrite,
        r.serverMicrosPerWrite);
  }

  private static void summary(String store, List<Run> runs) {
    System.out.printf(
        "%-8s %17.0f %18.0f %19.0f %23.0f %22.0f%n",
        store,
        median(runs.stream().map(Run::writesPerSec).toList()),
        median(runs.stream().map(Run::readsPerSec).toList()),
        median(runs.stream().map(Run::listedPerSec).toList()),
        median(runs.stream().map(Run::cpuMicrosPerWrite).toList()),
        median(runs.stream().map(r -> r.cpuMicrosPerWrite - r.jitMicrosPerWrite).toList()));
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static Run measure(ResourceStore store, int resources, int concurrency) throws Exception {
    Path dataDir = Files.createTempDirectory("meshfed-bench-");
    GlobalConfig config =
        GlobalConfig.load(
            // free ports: a default port may be taken by another process on the machine
            Map.of(
                "api-port", "0", "kds-port", "0", "mads-port", "0", "data-dir", dataDir.toString()),
            Map.of(),
            null);
    try (GlobalControlPlane global =
        new GlobalControlPlane(config, store, Clock.systemUTC()).start()) {
      String api = "http://127.0.0.1:" + global.apiPort();
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      send(http, put(api + "/meshes/default", "{\"type\":\"Mesh\",\"name\":\"default\"}"), 201);

      long t0 = System.nanoTime();
      long cpu0 = OS.getProcessCpuTime();
      long jit0 = compilerCpuNanos();
      Map<Long, Long> server0 = serverThreadCpu();
      run(
          http,
          resources,
          concurrency,
          i ->
              put(
                  api + "/meshes/default/traffic-permissions/tp-" + i,
                  "{\"type\":\"TrafficPermission\",\"mesh\":\"default\",\"name\":\"tp-"
                      + i
                      + "\",\"sources\":[{\"match\":{\"kuma.io/service\":\"client-"
                      + i
                      + "\"}}],\"destinations\":[{\"match\":{\"kuma.io/service\":\"backend\"}}]}"),
          201);
      double writes = resources / seconds(t0);
      double cpuPerWrite = (OS.getProcessCpuTime() - cpu0) / 1e3 / resources;
      double jitPerWrite = (compilerCpuNanos() - jit0) / 1e3 / resources;
      double serverPerWrite = cpuSince(server0) / 1e3 / resources;

      long t1 = System.nanoTime();
      long cpu1 = OS.getProcessCpuTime();
      run(
          http,
          resources,
          concurrency,
          i ->
              HttpRequest.newBuilder(
                      URI.create(api + "/meshes/default/traffic-permissions/tp-" + i))
                  .build(),
          200);
      double reads = resources / seconds(t1);
      double cpuPerRead = (OS.getProcessCpuTime() - cpu1) / 1e3 / resources;

      long t2 = System.nanoTime();
      int listed = 0;
      for (int offset = 0; offset < resources; offset += 1000) {
        HttpResponse<String> page =
            send(
                http,
                HttpRequest.newBuilder(
                        URI.create(
                            api + "/meshes/default/traffic-permissions?size=1000&offset=" + offset))
                    .build(),
                200);
        listed += countItems(page.body());
      }
      double list = listed / seconds(t2);
      if (listed != resources) {
        throw new IllegalStateException("listed " + listed + " of " + resources);
      }
      return new Run(writes, reads, list, cpuPerWrite, cpuPerRead, jitPerWrite, serverPerWrite);
    }
  }

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  /**
   * CPU time so far of each thread of the global's HTTP server and request lanes (named {@code
   * api-global...}): the REST path's own cost, without the client, the JIT or the GC.
   */
  static Map<Long, Long> serverThreadCpu() {
    Map<Long, Long> out = new java.util.HashMap<>();
    for (java.lang.management.ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
      if (t != null && t.getThreadName().startsWith("api-global")) {
        long cpu = THREADS.getThreadCpuTime(t.getThreadId());
        if (cpu >= 0) {
          out.put(t.getThreadId(), cpu);
        }
      }
    }
    return out;
  }

  /** The server threads' CPU since {@code before} (threads started since count from zero). */
  static long cpuSince(Map<Long, Long> before) {
    long sum = 0;
    for (Map.Entry<Long, Long> e : serverThreadCpu().entrySet()) {
      sum += e.getValue() - before.getOrDefault(e.getKey(), 0L);
    }
    return sum;
  }

  /**
   * CPU time of the JIT compiler's threads so far (Linux: their {@code /proc} stat, in clock ticks
   * taken as 10 ms), or 0 where that cannot be read. A run of a few thousand requests still
   * compiles: this part of the process's CPU is warm-up, not the cost of a request.
   */
  static long compilerCpuNanos() {
    long ticks = 0;
    try (var tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          if (!Files.readString(task.resolve("comm")).contains("CompilerThre")) {
            continue;
          }
          String stat = Files.readString(task.resolve("stat"));
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          // after the name: state is field 3, utime field 14 and stime field 15 of the line
          ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (java.io.IOException | RuntimeException e) {
          // a compiler thread that ended between the listing and the read
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      return 0;
    }
    return ticks * 10_000_000L;
  }

  private static int countItems(String body) {
    int n = 0;
    for (int i = body.indexOf("\"type\":\"TrafficPermission\""); i >= 0; ) {
      n++;
      i = body.indexOf("\"type\":\"TrafficPermission\"", i + 1);
    }
    return n;
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  private static HttpRequest put(String url, String json) {
    return HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(json))
        .build();
  }

  private static HttpResponse<String> send(HttpClient http, HttpRequest req, int expected)
      throws Exception {
    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != expected) {
      throw new IllegalStateException(req.uri() + " -> " + r.statusCode() + ": " + r.body());
    }
    return r;
  }

  /**
   * Sends {@code count} requests from {@code concurrency} client threads, each sending its next
   * request when the answer to its last one has arrived; all must succeed. Blocking {@code send}
   * rather than {@code sendAsync}: the JDK client completes an asynchronous exchange on the default
   * async pool, which on a 2-core machine is a new thread per request, and that thread's start cost
   * more CPU than the server spent on the request.
   */
  private static void run(
      HttpClient http, int count, int concurrency, IntFunction<HttpRequest> request, int expected)
      throws Exception {
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger();
    List<Thread> clients = new ArrayList<>(concurrency);
    for (int t = 0; t < concurrency; t++) {
      Thread client =
          new Thread(
              () -> {
                for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                  try {
                    HttpResponse<String> r =
                        http.send(request.apply(i), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != expected) {
                      failures.incrementAndGet();
                    }
                  } catch (Exception e) {
                    failures.incrementAndGet();
                    if (e instanceof InterruptedException) {
                      Thread.currentThread().interrupt();
                      return;
                    }
                  }
                }
              },
              "bench-client-" + t);
      client.start();
      clients.add(client);
    }
    for (Thread client : clients) {
      client.join();
    }
    if (failures.get() > 0) {
      throw new IllegalStateException(failures.get() + " of " + count + " requests failed");
    }
  }
}

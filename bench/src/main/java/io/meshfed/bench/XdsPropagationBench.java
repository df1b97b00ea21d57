package io.meshfed.bench;

import io.meshfed.global.GlobalControlPlane;
import io.meshfed.model.StandardTypes;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.zone.ZoneControlPlane;
import io.micrometer.core.instrument.Timer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * xDS propagation figures with real control planes: global and two zones in this JVM (memory
 * stores, KDS over TLS with zone tokens, mesh {@code default} with mTLS off and the default
 * policies global creates with a new mesh: allow-all, route-all, timeout-all, circuit-breaker-all,
 * retry-all), N zone-owned Dataplanes split evenly over the zones, and N simulated Envoys ({@link
 * ProxySwarm}) in a child JVM, each on its own ADS stream to its zone's xDS port. Prints:
 *
 * <ul>
 *   <li>the initial fan-out: from the swarm opening its streams until every proxy ACKed a first
 *       listener config;
 *   <li>the zone control planes' heap per connected proxy: used heap after full GCs, with the
 *       proxies connected, minus the same before they connected, over N (both zones and global are
 *       in this JVM: the figure is their sum over N);
 *   <li>for W policy writes on global's REST API (a TrafficRoute {@code * -> *} whose split between
 *       {@code kuma.io/zone: zone-1} and {@code zone-2} changes on every write, so every proxy's
 *       outbound listeners change): the time from the start of the write until each proxy ACKed a
 *       listener version it did not have before it (p50, p99 over writes x proxies), and until the
 *       last proxy did (p50, p99 over writes);
 *   <li>each zone's {@code xds_snapshot_build_seconds} timer during the writes.
 * </ul>
 *
 * <p>Usage: {@code XdsPropagationBench [proxies=1000] [writes=20] [--no-default-policies]} (the
 * last one creates the mesh with {@code skipCreatingInitialPolicies: ['*']}, to compare).
 */
public final class XdsPropagationBench {
  private static final int SERVICES_PER_ZONE = 50;

  /** The third argument that creates the mesh without its default policies, for a comparison. */
  static final String NO_DEFAULT_POLICIES = "--no-default-policies";

  private static final Duration WRITE_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration FAN_OUT_TIMEOUT = Duration.ofMinutes(10);

  private XdsPropagationBench() {}

  /** A listener ACK seen in the swarm's output. */
  private record Ack(String version, long micros) {}

  /** Which proxies still owe an ACK of a new listener version for the write under way. */
  private static final class PendingWrite {
    final long startMicros;
    final Map<String, String> versionBefore;
    final Map<String, Long> ackedAt = new ConcurrentHashMap<>();
    // per zone: when its first rebuild after the write was seen to end (micros), and its length
    final long[] rebuildEndMicros;
    final double[] rebuildMs;

    PendingWrite(long startMicros, Map<String, String> versionBefore, int zones) {
      this.startMicros = startMicros;
      this.versionBefore = versionBefore;
      this.rebuildEndMicros = new long[zones];
      this.rebuildMs = new double[zones];
    }

    void offer(String node, Ack ack) {
      String before = versionBefore.get(node);
      if (before != null && !before.equals(ack.version()) && ack.micros() >= startMicros) {
        ackedAt.putIfAbsent(node, ack.micros());
      }
    }
  }

  public static void main(String[] args) throws Exception {
    int proxies = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int writes = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    boolean defaults = args.length < 3;
    if (args.length > 3 || (args.length == 3 && !args[2].equals(NO_DEFAULT_POLICIES))) {
      throw new IllegalArgumentException(
          "arguments: "
              + String.join(" ", args)
              + " (expected: [proxies] [writes] ["
              + NO_DEFAULT_POLICIES
              + "])");
    }
    if (proxies < 2) {
      throw new IllegalArgumentException("proxies: " + proxies + " (expected: at least 2)");
    }
    System.out.printf(
        "xDS propagation: global + zone-1 + zone-2 in this JVM (memory stores, KDS over TLS with"
            + " zone tokens), mesh 'default' with mTLS OFF (no certificates), %s%n"
            + "%d simulated Envoys (ADS, state of the world) in a child JVM, %d per zone;"
            + " %d policy writes on global; %d cores, max heap %d MiB%n",
        defaults ? "with its default policies" : "WITHOUT default policies",
        proxies,
        proxies / 2,
        writes,
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() / (1024 * 1024));

    Path dir = Files.createTempDirectory("meshfed-xds-bench-");
    MemoryResourceStore globalStore = new MemoryResourceStore();
    HttpClient http = HttpClient.newHttpClient();
    try (GlobalControlPlane global = InProcessFederation.startGlobal(dir, globalStore)) {
      String globalApi = "http://127.0.0.1:" + global.apiPort();
      if (defaults) {
        put(http, globalApi + "/meshes/default", "{\"type\":\"Mesh\",\"name\":\"default\"}");
        System.out.println("default policies of mesh 'default': " + defaultPolicies(globalStore));
      } else {
        put(
            http,
            globalApi + "/meshes/default",
            "{\"type\":\"Mesh\",\"name\":\"default\",\"skipCreatingInitialPolicies\":[\"*\"]}");
        System.out.println("mesh 'default' WITHOUT default policies (" + NO_DEFAULT_POLICIES + ")");
      }

      List<ZoneControlPlane> zones = new ArrayList<>();
      Process swarm = null;
      try {
        for (int z = 1; z <= 2; z++) {
          zones.add(InProcessFederation.zone(global, dir, "zone-" + z, global.kdsPort()).start());
        }
        for (ZoneControlPlane zone : zones) {
          awaitTrue(
              () -> count(zone.store(), StandardTypes.MESH) == 1,
              Duration.ofMinutes(2),
              zone.config().zone() + " receiving mesh 'default' from global");
        }

        // Zone-owned dataplanes, written on each zone's own API.
        List<String> nodeLines = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int z = 1; z <= 2; z++) {
          ZoneControlPlane zone = zones.get(z - 1);
          int perZone = z == 1 ? proxies - proxies / 2 : proxies / 2;
          String zoneApi = "http://127.0.0.1:" + zone.apiPort();
          for (int i = 0; i < perZone; i++) {
            String name = dataplaneName(z, i);
            put(http, zoneApi + "/meshes/default/dataplanes/" + name, dataplaneJson(z, i, perZone));
            nodeLines.add(zone.xdsPort() + " default." + name);
          }
        }
        awaitTrue(
            () -> count(globalStore, StandardTypes.DATAPLANE) == proxies,
            Duration.ofMinutes(2),
            "global receiving every zone's dataplanes");
        System.out.printf(
            "dataplanes: %d written on the zones' APIs and synced to global in %.1f s%n",
            proxies, (System.nanoTime() - t0) / 1e9);

        Thread.sleep(3000); // let the zones' caches and KDS settle before the baseline
        long baseline = usedHeapAfterGc();

        // The swarm, in its own JVM.
        Path nodesFile = dir.resolve("nodes.txt");
        Files.write(nodesFile, nodeLines, StandardCharsets.UTF_8);
        Map<String, Ack> latest = new ConcurrentHashMap<>();
        AtomicReference<PendingWrite> pending = new AtomicReference<>();
        AtomicLong connectingMicros = new AtomicLong();
        AtomicLong lastAckMicros = new AtomicLong();
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        swarm =
            new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx1g",
                    "-cp",
                    System.getProperty("java.class.path"),
                    ProxySwarm.class.getName(),
                    nodesFile.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        Process child = swarm;
        Thread reader =
            new Thread(
                () -> readSwarm(child, latest, pending, connectingMicros, lastAckMicros, errors),
                "swarm-reader");
        reader.setDaemon(true);
        reader.start();

        awaitTrue(
            () -> latest.size() == proxies || !errors.isEmpty() || !child.isAlive(),
            FAN_OUT_TIMEOUT,
            () -> "every proxy's first listener ACK (" + latest.size() + " of " + proxies + ")");
        failOnErrors(errors, child);
        long lastFirstAck = latest.values().stream().mapToLong(Ack::micros).max().orElseThrow();
        System.out.printf(
            "initial fan-out: %d proxies ACKed a first listener config %.2f s after the swarm"
                + " started opening streams%n",
            proxies, (lastFirstAck - connectingMicros.get()) / 1e6);

        awaitQuietAcks(lastAckMicros, Duration.ofSeconds(3));
        // Each proxy's counters reach its insight within the zones' flush interval, then global.
        Thread.sleep(2000 + zones.get(0).config().dataplaneStatusFlushInterval().toMillis());
        long after = usedHeapAfterGc();
        System.out.printf(
            "heap: %.1f MiB before the proxies connected, %.1f MiB with %d connected ->"
                + " %.1f KiB per proxy (global + both zone CPs in this JVM, summed, over N;"
                + " includes each proxy's DataplaneInsight, stored in its zone and synced to"
                + " global)%n",
            baseline / 1048576.0,
            after / 1048576.0,
            proxies,
            (after - baseline) / 1024.0 / proxies);

        // Warm-up write: creates the route (new subset clusters as well); not measured.
        String routeUrl = globalApi + "/meshes/default/traffic-routes/bench-split";
        writeAndAwait(http, routeUrl, 50, latest, pending, errors, child, proxies, zones);
        awaitQuietAcks(lastAckMicros, Duration.ofSeconds(2));

        long[] buildCount = new long[zones.size()];
        double[] buildSeconds = new double[zones.size()];
        for (int i = 0; i < zones.size(); i++) {
          Timer t = buildTimer(zones.get(i));
          buildCount[i] = t == null ? 0 : t.count();
          buildSeconds[i] = t == null ? 0 : t.totalTime(TimeUnit.SECONDS);
        }
        List<Double> perProxyMs = new ArrayList<>();
        List<Double> allAckedMs = new ArrayList<>();
        XdsWriteSplits splits = new XdsWriteSplits(zones.size());
        System.out.printf("measured writes from %s%n", Instant.now());
        Duration ownCpu = cpu(ProcessHandle.current());
        Duration swarmCpu = cpu(child.toHandle());
        for (int w = 0; w < writes; w++) {
          int weight = 10 + (w * 37 + 17) % 81; // 10..90, never twice in a row
          PendingWrite done =
              writeAndAwait(http, routeUrl, weight, latest, pending, errors, child, proxies, zones);
          long last = 0;
          for (long at : done.ackedAt.values()) {
            perProxyMs.add((at - done.startMicros) / 1000.0);
            last = Math.max(last, at);
          }
          allAckedMs.add((last - done.startMicros) / 1000.0);
          splits.add(w + 1, done.startMicros, done.ackedAt, done.rebuildEndMicros, done.rebuildMs);
          awaitQuietAcks(lastAckMicros, Duration.ofMillis(500));
        }
        System.out.printf("measured writes until %s%n", Instant.now());
        System.out.printf(
            "CPU during the measured writes: control planes' JVM %.2f s, swarm's JVM %.2f s%n",
            cpu(ProcessHandle.current()).minus(ownCpu).toMillis() / 1000.0,
            cpu(child.toHandle()).minus(swarmCpu).toMillis() / 1000.0);
        splits.printMedians();
        Collections.sort(perProxyMs);
        Collections.sort(allAckedMs);
        System.out.printf(
            "policy write -> proxy ACK (%d writes x %d proxies): p50 %.0f ms, p99 %.0f ms, max"
                + " %.0f ms%n",
            writes,
            proxies,
            KdsSyncBench.percentile(perProxyMs, 0.50),
            KdsSyncBench.percentile(perProxyMs, 0.99),
            perProxyMs.isEmpty() ? Double.NaN : perProxyMs.get(perProxyMs.size() - 1));
        System.out.printf(
            "policy write -> all %d proxies ACKed (%d writes): p50 %.0f ms, p99 %.0f ms%n",
            proxies,
            writes,
            KdsSyncBench.percentile(allAckedMs, 0.50),
            KdsSyncBench.percentile(allAckedMs, 0.99));
        for (int i = 0; i < zones.size(); i++) {
          Timer t = buildTimer(zones.get(i));
          if (t == null) {
            System.out.println(zones.get(i).config().zone() + ": no xds_snapshot_build_seconds");
            continue;
          }
          long n = t.count() - buildCount[i];
          double s = t.totalTime(TimeUnit.SECONDS) - buildSeconds[i];
          System.out.printf(
              "%s xds_snapshot_build_seconds during the writes: %d rebuilds of %d proxies, mean"
                  + " %.0f ms, max %.0f ms (Micrometer's decaying max over ~2 min: may include the"
                  + " initial fan-out)%n",
              zones.get(i).config().zone(),
              n,
              zones.get(i).config().zone().equals("zone-1") ? proxies - proxies / 2 : proxies / 2,
              n == 0 ? Double.NaN : s * 1000 / n,
              t.max(TimeUnit.MILLISECONDS));
        }
      } finally {
        if (swarm != null) {
          swarm.getOutputStream().close();
          if (!swarm.waitFor(10, TimeUnit.SECONDS)) {
            swarm.destroyForcibly();
          }
        }
        for (ZoneControlPlane z : zones) {
          z.close();
        }
      }
    }
  }

  /**
   * One write of the route with {@code weight} for zone-1 (100 - weight for zone-2), then waits
   * until every proxy ACKed a listener version other than the one it had before.
   */
  private static PendingWrite writeAndAwait(
      HttpClient http,
      String routeUrl,
      int weight,
      Map<String, Ack> latest,
      AtomicReference<PendingWrite> pending,
      List<String> errors,
      Process swarm,
      int proxies,
      List<ZoneControlPlane> zones)
      throws Exception {
    Map<String, String> before = new ConcurrentHashMap<>();
    latest.forEach((node, ack) -> before.put(node, ack.version()));
    long[] count = new long[zones.size()];
    double[] seconds = new double[zones.size()];
    for (int i = 0; i < zones.size(); i++) {
      Timer t = buildTimer(zones.get(i));
      count[i] = t == null ? 0 : t.count();
      seconds[i] = t == null ? 0 : t.totalTime(TimeUnit.SECONDS);
    }
    PendingWrite p =
        new PendingWrite(ProxySwarm.micros(Instant.now()), Map.copyOf(before), zones.size());
    pending.set(p);
    put(http, routeUrl, routeJson(weight));
    long deadline = System.nanoTime() + WRITE_TIMEOUT.toNanos();
    while (p.ackedAt.size() < proxies) {
      failOnErrors(errors, swarm);
      for (int i = 0; i < zones.size(); i++) {
        Timer t = buildTimer(zones.get(i));
        if (p.rebuildEndMicros[i] == 0 && t != null && t.count() > count[i]) {
          // the first rebuild after the write: seen within this loop's 2 ms of its end
          p.rebuildEndMicros[i] = ProxySwarm.micros(Instant.now());
          p.rebuildMs[i] =
              (t.totalTime(TimeUnit.SECONDS) - seconds[i]) * 1000 / (t.count() - count[i]);
        }
      }
      if (System.nanoTime() > deadline) {
        List<String> missing = new ArrayList<>(before.keySet());
        missing.removeAll(p.ackedAt.keySet());
        Collections.sort(missing);
        throw new IllegalStateException(
            "write of split "
                + weight
                + "/"
                + (100 - weight)
                + ": after "
                + WRITE_TIMEOUT
                + " only "
                + p.ackedAt.size()
                + " of "
                + proxies
                + " proxies ACKed a new listener version; missing e.g. "
                + missing.subList(0, Math.min(5, missing.size())));
      }
      Thread.sleep(2);
    }
    pending.set(null);
    return p;
  }

  private static void readSwarm(
      Process swarm,
      Map<String, Ack> latest,
      AtomicReference<PendingWrite> pending,
      AtomicLong connectingMicros,
      AtomicLong lastAckMicros,
      List<String> errors) {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(swarm.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        String[] f = line.split(" ", 4);
        switch (f[0]) {
          case "ACK" -> {
            Ack ack = new Ack(f[3], Long.parseLong(f[1]));
            latest.put(f[2], ack);
            lastAckMicros.set(ProxySwarm.micros(Instant.now()));
            PendingWrite p = pending.get();
            if (p != null) {
              p.offer(f[2], ack);
            }
          }
          case "CONNECTING" -> connectingMicros.set(Long.parseLong(f[1]));
          case "CONNECTED" -> {}
          case "ERROR" -> errors.add(line);
          default -> System.err.println("swarm: " + line);
        }
      }
    } catch (IOException e) {
      errors.add("reading the swarm's output failed: " + e);
    }
  }

  private static void failOnErrors(List<String> errors, Process swarm) {
    if (!errors.isEmpty()) {
      throw new IllegalStateException(
          errors.size() + " proxy stream(s) ended; first: " + errors.get(0));
    }
    if (!swarm.isAlive()) {
      throw new IllegalStateException("the proxy swarm exited with " + swarm.exitValue());
    }
  }

  private static String dataplaneName(int zone, int i) {
    int services = SERVICES_PER_ZONE;
    return "svc-" + (i % services) + "-z" + zone + "-" + (i / services);
  }

  /**
   * Dataplane {@code i} of a zone: an instance of {@code svc-(i % 50)} (even services HTTP, odd
   * TCP), its own address, one inbound and 2 or 3 outbounds to other services.
   */
  static String dataplaneJson(int zone, int i, int perZone) {
    int services = Math.min(SERVICES_PER_ZONE, perZone);
    int svc = i % SERVICES_PER_ZONE;
    int instance = i / SERVICES_PER_ZONE;
    StringBuilder out = new StringBuilder();
    int outbounds = 2 + i % 2;
    for (int j = 0; j < outbounds; j++) {
      int target = (svc + 1 + j * 13) % services;
      if (target == svc) {
        target = (target + 1) % services;
      }
      if (j > 0) {
        out.append(',');
      }
      out.append("{\"port\":")
          .append(20000 + target)
          .append(",\"tags\":{\"kuma.io/service\":\"svc-")
          .append(target)
          .append("\"}}");
    }
    return "{\"type\":\"Dataplane\",\"mesh\":\"default\",\"name\":\""
        + dataplaneName(zone, i)
        + "\",\"networking\":{\"address\":\"10."
        + zone
        + "."
        + (i / 250)
        + "."
        + (i % 250 + 1)
        + "\",\"inbound\":[{\"port\":"
        + (10000 + svc)
        + ",\"servicePort\":"
        + (8000 + svc)
        + ",\"tags\":{\"kuma.io/service\":\"svc-"
        + svc
        + "\",\"kuma.io/protocol\":\""
        + (svc % 2 == 0 ? "http" : "tcp")
        + "\",\"version\":\"v"
        + (instance % 2 + 1)
        + "\"}}],\"outbound\":["
        + out
        + "]}}";
  }

  /** Every service to every service, split between the zones {@code weight : 100 - weight}. */
  static String routeJson(int weight) {
    return "{\"type\":\"TrafficRoute\",\"mesh\":\"default\",\"name\":\"bench-split\","
        + "\"sources\":[{\"match\":{\"kuma.io/service\":\"*\"}}],"
        + "\"destinations\":[{\"match\":{\"kuma.io/service\":\"*\"}}],"
        + "\"conf\":{\"split\":["
        + "{\"weight\":"
        + weight
        + ",\"destination\":{\"kuma.io/service\":\"*\",\"kuma.io/zone\":\"zone-1\"}},"
        + "{\"weight\":"
        + (100 - weight)
        + ",\"destination\":{\"kuma.io/service\":\"*\",\"kuma.io/zone\":\"zone-2\"}}]}}";
  }

  private static void put(HttpClient http, String url, String json) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200 && r.statusCode() != 201) {
      throw new IllegalStateException("PUT " + url + ": " + r.statusCode() + " " + r.body());
    }
  }

  /** The policy types a new mesh gets by default (Kuma's), each with at least one policy. */
  private static final List<String> DEFAULT_POLICY_TYPES =
      List.of(
          StandardTypes.TRAFFIC_PERMISSION,
          StandardTypes.TRAFFIC_ROUTE,
          StandardTypes.TIMEOUT,
          StandardTypes.CIRCUIT_BREAKER,
          StandardTypes.RETRY);

  /**
   * The names of the default policies global created with the mesh; fails when a type has none, so
   * the figures are never taken without them (every proxy's config carries them).
   */
  static String defaultPolicies(ResourceStore store) {
    List<String> names = new ArrayList<>();
    for (String type : DEFAULT_POLICY_TYPES) {
      List<String> ofType =
          store.list(ListQuery.all(type)).join().items().stream()
              .map(r -> type + " " + r.name())
              .toList();
      if (ofType.isEmpty()) {
        throw new IllegalStateException(
            "mesh 'default' has no " + type + " (expected: the default policies of a new mesh)");
      }
      names.addAll(ofType);
    }
    return String.join(", ", names);
  }

  /** The CPU time {@code process} used so far (zero where the system does not tell). */
  private static Duration cpu(ProcessHandle process) {
    return process.info().totalCpuDuration().orElse(Duration.ZERO);
  }

  private static Timer buildTimer(ZoneControlPlane zone) {
    return zone.meterRegistry().find("xds_snapshot_build_seconds").timer();
  }

  private static int count(ResourceStore store, String type) {
    return store.list(ListQuery.all(type)).join().total();
  }

  /** Used heap after a few full collections. */
  private static long usedHeapAfterGc() throws InterruptedException {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(300);
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  /** Waits until no listener ACK arrived for {@code quiet}. */
  private static void awaitQuietAcks(AtomicLong lastAckMicros, Duration quiet)
      throws InterruptedException {
    long quietMicros = quiet.toNanos() / 1000;
    while (ProxySwarm.micros(Instant.now()) - lastAckMicros.get() < quietMicros) {
      Thread.sleep(50);
    }
  }

  private static void awaitTrue(BooleanSupplier condition, Duration limit, String what)
      throws InterruptedException {
    awaitTrue(condition, limit, () -> what);
  }

  private static void awaitTrue(
      BooleanSupplier condition, Duration limit, java.util.function.Supplier<String> what)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + limit + " waiting for " + what.get());
      }
      Thread.sleep(20);
    }
  }
}

package io.meshfed.bench;

import io.meshfed.global.GlobalControlPlane;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.Selector;
import io.meshfed.model.spec.TrafficPermissionSpec;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.TcpProxy;
import io.meshfed.zone.ZoneControlPlane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * KDS figures with real control planes in one JVM (global on the memory store, zones on memory
 * stores, KDS over TLS with zone tokens, each zone dialling through its own loopback proxy so bytes
 * on the wire can be counted): for N zones and R existing resources, the time and bytes of a zone's
 * first full sync, the propagation latency of one policy write from the global API to every zone
 * store (p50, p99), and the bytes of a reconnect with nothing changed.
 *
 * <p>Usage: {@code KdsSyncBench [resources=10000] [writes=30] [zoneCounts=1,5,20]}; {@code
 * KdsSyncBench process [resources=0] [writes=30] [zoneCounts=20,20]} for the same figures with
 * global as deployed, in its own process ({@link GlobalProcess}: the launcher, the class-data
 * archive, the control planes' JVM options), one for all the runs, the zones still in this JVM with
 * zone tokens from its API (the split then lacks global's own watch and its background writes, and
 * the GC, class and JIT columns are this JVM's: the zones'); or {@code KdsSyncBench dataplanes
 * [zones=100] [dataplanes=1000] [writes=30] [policies=1000]} for many zones each reporting
 * dataplanes: the time until every zone holds global's policies, the time until global holds every
 * zone's dataplanes, global's heap per remote dataplane, and write → all zones. Every figure is
 * also printed as one {@code BENCH name=value} line.
 */
public final class KdsSyncBench {
  private KdsSyncBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("dataplanes")) {
      ZonesWithDataplanes.run(
          args.length > 1 ? Integer.parseInt(args[1]) : 100,
          args.length > 2 ? Integer.parseInt(args[2]) : 1000,
          args.length > 3 ? Integer.parseInt(args[3]) : 30,
          args.length > 4 ? Integer.parseInt(args[4]) : 1000);
      return;
    }
    boolean process = args.length > 0 && args[0].equals("process");
    String[] rest = process ? Arrays.copyOfRange(args, 1, args.length) : args;
    int resources = rest.length > 0 ? Integer.parseInt(rest[0]) : (process ? 0 : 10_000);
    int writes = rest.length > 1 ? Integer.parseInt(rest[1]) : 30;
    List<Integer> zoneCounts = new ArrayList<>();
    for (String n : (rest.length > 2 ? rest[2] : process ? "20,20" : "1,5,20").split(",")) {
      zoneCounts.add(Integer.parseInt(n.trim()));
    }
    System.out.printf(
        "KDS sync: %d existing TrafficPermissions, %d policy writes per run, zones %s, %d cores,"
            + " global %s%n",
        resources,
        writes,
        zoneCounts,
        Runtime.getRuntime().availableProcessors(),
        process
            ? "in its own process (./meshfed global run, memory store), one for all runs"
            : "in this JVM, a new one per run");
    System.out.println(
        "zones  first-sync s (median)  first-sync MiB/zone  write->all zones p50 ms  p99 ms"
            + "  reconnect KiB (nothing changed)");
    if (process) {
      runAgainstProcess(resources, writes, zoneCounts);
      return;
    }
    for (int n : zoneCounts) {
      run(n, resources, writes);
    }
  }

  private static void run(int zoneCount, int resources, int writes) throws Exception {
    Path dir = Files.createTempDirectory("meshfed-kds-bench-");
    MemoryResourceStore globalStore = new MemoryResourceStore();
    try (GlobalControlPlane global = InProcessFederation.startGlobal(dir, globalStore)) {
      seed(globalStore, resources);
      measure(
          "http://127.0.0.1:" + global.apiPort(),
          global.kdsPort(),
          globalStore,
          (name, kdsPort) -> InProcessFederation.zone(global, dir, name, kdsPort),
          zoneCount,
          resources + 1, // and the mesh
          writes,
          "probe-");
    }
  }

  /**
   * The process mode: one global started as deployed ({@link GlobalProcess}) for all the runs, the
   * zones in this JVM. Its first run holds global's first writes after its start (cold), the next
   * ones its later writes (warm). The mesh and the existing TrafficPermissions are PUT on its API
   * first (a memory store holds only what was written through it), which runs the very path a write
   * takes: with {@code resources > 0} the first run is no longer global's first writes.
   */
  private static void runAgainstProcess(int resources, int writes, List<Integer> zoneCounts)
      throws Exception {
    Path dir = Files.createTempDirectory("meshfed-kds-bench-");
    try (GlobalProcess global = GlobalProcess.start(Path.of("").toAbsolutePath(), dir)) {
      System.out.printf("global: pid %d, log %s%n", global.pid(), global.log());
      long t0 = System.nanoTime();
      global.put("/meshes/default", "{\"type\":\"Mesh\",\"name\":\"default\"}");
      System.out.printf(
          "global's first PUT (the mesh, no zone connected) answered in %.1f ms%n",
          (System.nanoTime() - t0) / 1e6);
      if (resources > 0) {
        System.out.printf(
            "PUT of %d TrafficPermissions through global's API before the first run: its writes"
                + " are then not global's first%n",
            resources);
      }
      for (int i = 0; i < resources; i++) {
        global.put(
            "/meshes/default/traffic-permissions/tp-" + i, WriteProbe.permissionJson("tp-" + i));
      }
      int run = 0;
      for (int n : zoneCounts) {
        run++;
        Path runDir = Files.createDirectories(dir.resolve("run" + run));
        measure(
            global.api(),
            global.kdsPort(),
            null,
            (name, kdsPort) ->
                InProcessFederation.zone(
                    global.zoneToken(name), global.kdsCaFile(), runDir, name, kdsPort),
            n,
            resources + 1, // and the mesh
            writes,
            "probe-" + run + "-");
      }
    }
  }

  /** Makes zone {@code name} (not started) that dials KDS at {@code kdsPort} on loopback. */
  @FunctionalInterface
  private interface ZoneFactory {
    ZoneControlPlane zone(String name, int kdsPort) throws Exception;
  }

  /**
   * Starts {@code zoneCount} zones one after the other against the global at {@code api} / {@code
   * kdsPort}, each through its own counting proxy, each until it holds {@code expected} resources;
   * then {@code writes} policy writes on the API followed to every zone, and zone-1's reconnect
   * with nothing changed. Prints the figures. {@code globalStore} is global's store when it is in
   * this JVM (the split then has global's own watch and its background writes), else null.
   */
  private static void measure(
      String api,
      int kdsPort,
      ResourceStore globalStore,
      ZoneFactory factory,
      int zoneCount,
      int expected,
      int writes,
      String probePrefix)
      throws Exception {
    List<ZoneControlPlane> zones = new ArrayList<>();
    List<TcpProxy> proxies = new ArrayList<>();
    List<Double> firstSyncSeconds = new ArrayList<>();
    long firstSyncBytes = 0;
    try {
      for (int i = 0; i < zoneCount; i++) {
        String name = "zone-" + (i + 1);
        TcpProxy proxy = TcpProxy.to(kdsPort);
        proxies.add(proxy);
        ZoneControlPlane zone = factory.zone(name, proxy.port());
        long t0 = System.nanoTime();
        zone.start();
        zones.add(zone);
        awaitTrue(() -> count(zone) >= expected, Duration.ofMinutes(5), name + " first sync");
        firstSyncSeconds.add((System.nanoTime() - t0) / 1e9);
        awaitQuiet(proxy);
        firstSyncBytes += proxy.bytesForwarded();
      }

      // Propagation: one write on the global API, until every zone store holds it.
      List<WriteProbe.Sample> samples =
          WriteProbe.run(api, globalStore, zones, proxies, probePrefix, writes);
      List<Double> latenciesMs = WriteProbe.latencies(samples);
      WriteProbe.print(samples, 10, 5);

      // Reconnect with nothing changed: cut zone-1's connection and count what crosses again.
      TcpProxy proxy = proxies.get(0);
      ZoneControlPlane zone1 = zones.get(0);
      awaitQuiet(proxy);
      long before = proxy.bytesForwarded();
      proxy.cutAll();
      awaitTrue(() -> !zone1.globalConnection().connected(), Duration.ofSeconds(30), "cut");
      awaitTrue(() -> zone1.globalConnection().connected(), Duration.ofSeconds(60), "reconnect");
      awaitQuiet(proxy);
      long reconnectBytes = proxy.bytesForwarded() - before;

      String prefix = "kds.zones" + zoneCount + ".";
      bench(prefix + "first_sync_s_median", median(firstSyncSeconds));
      bench(prefix + "first_sync_mib_per_zone", firstSyncBytes / (double) zoneCount / (1 << 20));
      bench(prefix + "write_all_zones_p50_ms", percentile(latenciesMs, 0.50));
      bench(prefix + "write_all_zones_p99_ms", percentile(latenciesMs, 0.99));
      bench(prefix + "reconnect_kib", reconnectBytes / 1024.0);
      bench(
          prefix + "reconnect_pct_of_first_sync",
          100.0 * reconnectBytes / (firstSyncBytes / (double) zoneCount));
      System.out.printf(
          "%5d  %21.2f  %19.2f  %22.1f  %6.1f  %31.1f%n",
          zoneCount,
          median(firstSyncSeconds),
          firstSyncBytes / (double) zoneCount / (1024 * 1024),
          percentile(latenciesMs, 0.50),
          percentile(latenciesMs, 0.99),
          reconnectBytes / 1024.0);
    } finally {
      for (ZoneControlPlane z : zones) {
        z.close();
      }
      proxies.forEach(TcpProxy::close);
    }
  }

  static void bench(String name, double value) {
    System.out.printf("BENCH %s=%.2f%n", name, value);
  }

  /**
   * Writes {@code writes} TrafficPermissions one after the other on global's API; each time, the
   * milliseconds until every zone's store held it (one figure per write and zone), sorted.
   */
  static List<Double> writeToAllZones(
      GlobalControlPlane global, List<ZoneControlPlane> zones, int writes) throws Exception {
    return WriteProbe.latencies(
        WriteProbe.run(
            "http://127.0.0.1:" + global.apiPort(), null, zones, null, "probe-", writes));
  }

  static void seed(MemoryResourceStore store, int resources) {
    store
        .create(
            new Resource(
                ResourceKey.global(StandardTypes.MESH, "default"),
                Meta.EMPTY,
                MeshSpec.ofMtls(null)))
        .join();
    for (int i = 0; i < resources; i++) {
      store
          .create(
              new Resource(
                  ResourceKey.inMesh(StandardTypes.TRAFFIC_PERMISSION, "default", "tp-" + i),
                  Meta.EMPTY,
                  new TrafficPermissionSpec(
                      List.of(Selector.service("client-" + i)),
                      List.of(Selector.service("backend")))))
          .join();
    }
  }

  private static int count(ZoneControlPlane zone) {
    return zone.store().list(ListQuery.all(StandardTypes.TRAFFIC_PERMISSION)).join().total()
        + zone.store().list(ListQuery.all(StandardTypes.MESH)).join().total();
  }

  /** Waits until no byte crossed the proxy for 1.5 s (heartbeats aside, the sync is done). */
  private static void awaitQuiet(TcpProxy proxy) throws InterruptedException {
    long last = proxy.bytesForwarded();
    long quietSince = System.nanoTime();
    while (System.nanoTime() - quietSince < 1_500_000_000L) {
      Thread.sleep(100);
      long now = proxy.bytesForwarded();
      if (now - last > 512) { // more than a heartbeat's worth
        quietSince = System.nanoTime();
      }
      last = now;
    }
  }

  static void awaitTrue(BooleanSupplier condition, Duration limit, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return percentile(sorted, 0.5);
  }

  static double percentile(List<Double> sorted, double q) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int idx = (int) Math.ceil(q * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, idx)));
  }
}

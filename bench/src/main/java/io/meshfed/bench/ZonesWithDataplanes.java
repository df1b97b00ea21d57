package io.meshfed.bench;

import io.meshfed.global.GlobalControlPlane;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourceEvent;
import io.meshfed.store.WatchListener;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.zone.ZoneControlPlane;
import java.io.Closeable;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * {@link KdsSyncBench}'s many-zones case: N zones (real zone control planes in this JVM, memory
 * stores) of D dataplanes each, and global (memory store) holding P TrafficPermissions. Measures
 * the time until every zone holds global's policies, the time from writing every zone's dataplanes
 * until global holds all of them, write → all zones latency, and global's heap per remote dataplane
 * (used heap after GC with the zones stopped, before and after deleting the remote dataplanes from
 * global's store).
 */
final class ZonesWithDataplanes {
  private ZonesWithDataplanes() {}

  static void run(int zoneCount, int dataplanes, int writes, int policies) throws Exception {
    System.out.printf(
        "KDS sync, many zones: %d zones x %d dataplanes, %d TrafficPermissions on global, %d"
            + " writes, %d cores, max heap %d MiB%n",
        zoneCount,
        dataplanes,
        policies,
        writes,
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);
    Path dir = Files.createTempDirectory("meshfed-kds-zones-bench-");
    ResourceCodec codec = new ResourceCodec(StandardTypes.registry());
    MemoryResourceStore globalStore = new MemoryResourceStore();
    try (GlobalControlPlane global = InProcessFederation.startGlobal(dir, globalStore)) {
      KdsSyncBench.seed(globalStore, policies);
      Set<ResourceKey> remote = ConcurrentHashMap.newKeySet();
      Closeable watch =
          globalStore.watch(globalStore.currentRevision().join(), remoteDataplanes(remote));
      List<ZoneControlPlane> zones = new ArrayList<>();
      try {
        long t0 = System.nanoTime();
        for (int i = 0; i < zoneCount; i++) {
          ZoneControlPlane zone =
              InProcessFederation.zone(global, dir, "zone-" + (i + 1), global.kdsPort());
          zone.start();
          zones.add(zone);
        }
        int expected = policies + 1;
        await(
            () -> zones.stream().allMatch(z -> policiesAndMesh(z) >= expected),
            Duration.ofMinutes(10),
            "global's policies in every zone");
        double policiesSeconds = (System.nanoTime() - t0) / 1e9;

        long t1 = System.nanoTime();
        List<CompletableFuture<Resource>> creates = new ArrayList<>();
        for (ZoneControlPlane zone : zones) {
          for (int d = 0; d < dataplanes; d++) {
            creates.add(zone.store().create(dataplane(codec, zone.config().zone(), d)));
          }
        }
        CompletableFuture.allOf(creates.toArray(CompletableFuture[]::new)).join();
        int all = zoneCount * dataplanes;
        await(() -> remote.size() >= all, Duration.ofMinutes(10), "every dataplane on global");
        double dataplanesSeconds = (System.nanoTime() - t1) / 1e9;

        List<Double> latenciesMs = KdsSyncBench.writeToAllZones(global, zones, writes);

        for (ZoneControlPlane z : zones) {
          z.close();
        }
        zones.clear();
        long withDataplanes = usedHeapAfterGc();
        List<Resource> held =
            globalStore.list(ListQuery.all(StandardTypes.DATAPLANE)).join().items();
        List<CompletableFuture<Void>> deletes = new ArrayList<>();
        for (Resource r : held) {
          deletes.add(globalStore.delete(r.key(), 0));
        }
        CompletableFuture.allOf(deletes.toArray(CompletableFuture[]::new)).join();
        held = null;
        deletes = null;
        long withoutDataplanes = usedHeapAfterGc();
        double perDataplane = (withDataplanes - withoutDataplanes) / (double) all;

        String prefix = "kds.zones" + zoneCount + "x" + dataplanes + "dp.";
        KdsSyncBench.bench(prefix + "policies_in_every_zone_s", policiesSeconds);
        KdsSyncBench.bench(prefix + "dataplanes_on_global_s", dataplanesSeconds);
        KdsSyncBench.bench(
            prefix + "write_all_zones_p50_ms", KdsSyncBench.percentile(latenciesMs, 0.50));
        KdsSyncBench.bench(
            prefix + "write_all_zones_p99_ms", KdsSyncBench.percentile(latenciesMs, 0.99));
        KdsSyncBench.bench(prefix + "global_heap_per_remote_dataplane_bytes", perDataplane);
      } finally {
        for (ZoneControlPlane z : zones) {
          z.close();
        }
        watch.close();
      }
    }
  }

  private static Resource dataplane(ResourceCodec codec, String zone, int i) {
    var result =
        codec.decodeYaml(
            """
            type: Dataplane
            mesh: default
            name: dp-%05d
            networking:
              address: 10.%d.%d.%d
              inbound:
              - port: 8080
                tags: {kuma.io/service: svc-%d, kuma.io/zone: %s, version: v1}
            """
                .formatted(i, i / 65536 % 256, i / 256 % 256, i % 256, i % 50, zone));
    if (!result.rejected().isEmpty() || result.accepted().size() != 1) {
      throw new IllegalStateException("bad bench dataplane: " + result.rejected());
    }
    return result.accepted().get(0);
  }

  private static int policiesAndMesh(ZoneControlPlane zone) {
    return zone.store().list(ListQuery.all(StandardTypes.TRAFFIC_PERMISSION)).join().total()
        + zone.store().list(ListQuery.all(StandardTypes.MESH)).join().total();
  }

  private static WatchListener remoteDataplanes(Set<ResourceKey> remote) {
    return new WatchListener() {
      @Override
      public void onEvents(List<ResourceEvent> events) {
        for (ResourceEvent e : events) {
          if (e.key().type().equals(StandardTypes.DATAPLANE)) {
            if (e.kind() == ResourceEvent.Kind.PUT) {
              remote.add(e.key());
            } else {
              remote.remove(e.key());
            }
          }
        }
      }

      @Override
      public void onReset(List<Resource> all, long revision) {
        remote.clear();
        all.stream()
            .filter(r -> r.type().equals(StandardTypes.DATAPLANE))
            .forEach(r -> remote.add(r.key()));
      }
    };
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    var memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(300);
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  /** Polls every 100 ms (a hundred zones' stores are listed on each poll). */
  private static void await(BooleanSupplier condition, Duration limit, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      Thread.sleep(100);
    }
  }
}

package io.meshfed.bench;

import com.sun.net.httpserver.HttpServer;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.store.ResourceEvent;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.WatchListener;
import io.meshfed.testing.TcpProxy;
import io.meshfed.zone.ZoneControlPlane;
import java.io.Closeable;
import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * Policy writes on global's API followed to every zone's store, one after the other, each zone's
 * latency split into where it went: the PUT's answer (global committed), global's own store watch,
 * the first data global sent the zone (read by the zone's proxy), the zone's store watch. Also what
 * ran meanwhile that may explain a slow sample: global's writes of zone sync states ({@code _sync})
 * and zone insights, and garbage collection.
 */
final class WriteProbe {
  /**
   * One write seen by one zone; times in milliseconds from the start of the PUT (NaN when not
   * observed).
   *
   * @param write the write's number
   * @param zone the zone
   * @param uptimeMs the JVM uptime at the PUT, to find it in a GC log
   * @param epochMs the wall clock at the PUT (ms since the epoch), to find it in the log of a
   *     global that runs in its own process ({@code -Xlog:...::timemillis})
   * @param committedMs the PUT answered
   * @param globalWatchMs global's store watch saw the write
   * @param sentMs the zone's proxy read the first data global sent the zone
   * @param storedMs the zone's store watch saw it: the latency
   * @param syncWrites zone sync state writes on global between the PUT and {@code storedMs}
   * @param insightWrites zone insight writes on global in the same window
   * @param gcMs time spent in garbage collection during the whole write (all zones), in this JVM
   * @param classesLoaded classes this JVM loaded during the whole write (all zones)
   * @param jitMs time this JVM's JIT compilers spent during the whole write (all zones)
   */
  record Sample(
      int write,
      String zone,
      long uptimeMs,
      long epochMs,
      double committedMs,
      double globalWatchMs,
      double sentMs,
      double storedMs,
      int syncWrites,
      int insightWrites,
      long gcMs,
      long classesLoaded,
      long jitMs) {}

  private record Background(long at, String type) {}

  /** The write in progress and what has seen it so far (nanoTime; 0 for not yet). */
  private static final class Pending {
    final String name;
    final Map<String, Long> arrived = new ConcurrentHashMap<>();
    final AtomicLong globalSeen = new AtomicLong();

    Pending(String name) {
      this.name = name;
    }
  }

  private WriteProbe() {}

  /** The latencies of {@code samples}, sorted. */
  static List<Double> latencies(List<Sample> samples) {
    return samples.stream().map(Sample::storedMs).sorted().toList();
  }

  /**
   * Writes {@code writes} TrafficPermissions one after the other on global's API; each time, waits
   * until every zone's store holds it; {@code api} is global's API ({@code http://HOST:PORT}), the
   * writes are named {@code prefix0}, {@code prefix1}... (new names: each PUT must create). {@code
   * globalStore} (null when global is another process) and {@code proxies} (one per zone, in order)
   * may be null: the split then lacks what they observe.
   */
  static List<Sample> run(
      String api,
      ResourceStore globalStore,
      List<ZoneControlPlane> zones,
      List<TcpProxy> proxies,
      String prefix,
      int writes)
      throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    warmUp(http);
    Queue<Background> background = new ConcurrentLinkedQueue<>();
    AtomicReference<Pending> current = new AtomicReference<>(new Pending(""));
    // One watch per store for the whole probe, opened before the first write: each arrival goes to
    // the write in progress by its name, so opening watches is not part of any write's window.
    List<Closeable> watches = new ArrayList<>();
    if (globalStore != null) {
      watches.add(watchBackground(globalStore, background));
      long rev = globalStore.currentRevision().join();
      watches.add(
          globalStore.watch(rev, arrival(current, p -> p.globalSeen.compareAndSet(0, now()))));
    }
    for (ZoneControlPlane zone : zones) {
      String zoneName = zone.config().zone();
      long rev = zone.store().currentRevision().join();
      watches.add(
          zone.store().watch(rev, arrival(current, p -> p.arrived.putIfAbsent(zoneName, now()))));
    }
    List<Sample> samples = new ArrayList<>();
    try {
      for (int w = 0; w < writes; w++) {
        String name = prefix + w;
        Pending pending = new Pending(name);
        current.set(pending);
        if (proxies != null) {
          proxies.forEach(TcpProxy::markToClient);
        }
        long gcBefore = gcMillis();
        long classesBefore = classesLoaded();
        long jitBefore = jitMillis();
        long uptime = ManagementFactory.getRuntimeMXBean().getUptime();
        long epoch = System.currentTimeMillis();
        long start = System.nanoTime();
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(
                        URI.create(api + "/meshes/default/traffic-permissions/" + name))
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(permissionJson(name)))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        long committed = System.nanoTime();
        if (r.statusCode() != 201) {
          throw new IllegalStateException("write failed: " + r.body());
        }
        KdsSyncBench.awaitTrue(
            () -> pending.arrived.size() == zones.size(), Duration.ofSeconds(120), name);
        long gc = gcMillis() - gcBefore;
        long classes = classesLoaded() - classesBefore;
        long jit = jitMillis() - jitBefore;
        for (int i = 0; i < zones.size(); i++) {
          String zone = zones.get(i).config().zone();
          long stored = pending.arrived.get(zone);
          long sent = proxies == null ? 0 : proxies.get(i).toClientSinceMark();
          int sync = 0;
          int insight = 0;
          for (Background b : background) {
            if (b.at() >= start && b.at() <= stored) {
              if (b.type().equals(StandardTypes.ZONE_SYNC_STATE)) {
                sync++;
              } else {
                insight++;
              }
            }
          }
          samples.add(
              new Sample(
                  w,
                  zone,
                  uptime,
                  epoch,
                  ms(start, committed),
                  ms(start, pending.globalSeen.get()),
                  ms(start, sent),
                  ms(start, stored),
                  sync,
                  insight,
                  gc,
                  classes,
                  jit));
        }
      }
    } finally {
      for (Closeable c : watches) {
        c.close();
      }
    }
    return samples;
  }

  /**
   * One request of {@code http} to a throwaway server of the benchmark's own, so that the client's
   * first-use class loading is not in the first write's figures; global sees nothing of it.
   */
  private static void warmUp(HttpClient http) throws Exception {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    server.start();
    try {
      http.send(
          HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/warm-up"))
              .header("Content-Type", "application/json")
              .PUT(HttpRequest.BodyPublishers.ofString(permissionJson("warm-up")))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } finally {
      server.stop(0);
    }
  }

  /**
   * Prints the split at p50 and p99, the {@code worst} slowest samples with theirs, and one line
   * per write for the first {@code first} writes and every write holding one of those samples.
   */
  static void print(List<Sample> samples, int worst, int first) {
    System.out.println(
        "write -> zone split, ms from the PUT (p50 / p99 over samples):"
            + split("committed", samples, Sample::committedMs)
            + split("global watch", samples, Sample::globalWatchMs)
            + split("sent to zone", samples, Sample::sentMs)
            + split("zone stored", samples, Sample::storedMs)
            + split("zone apply (stored - sent)", samples, s -> s.storedMs() - s.sentMs()));
    System.out.println(
        "slowest samples: write zone uptime-ms | committed global-watch sent stored ms |"
            + " _sync-writes insight-writes gc-ms classes-loaded jit-ms");
    List<Sample> slowest =
        samples.stream()
            .sorted(Comparator.comparingDouble(Sample::storedMs).reversed())
            .limit(worst)
            .toList();
    slowest.forEach(
        s ->
            System.out.printf(
                "  %3d %-8s %7d | %6.1f %6.1f %6.1f %6.1f | %3d %3d %4d %5d %5d%n",
                s.write(),
                s.zone(),
                s.uptimeMs(),
                s.committedMs(),
                s.globalWatchMs(),
                s.sentMs(),
                s.storedMs(),
                s.syncWrites(),
                s.insightWrites(),
                s.gcMs(),
                s.classesLoaded(),
                s.jitMs()));
    Set<Integer> shown = new TreeSet<>();
    for (int w = 0; w < first; w++) {
      shown.add(w);
    }
    slowest.forEach(s -> shown.add(s.write()));
    System.out.println(
        "per write (all zones): write uptime-ms | committed global-watch | sent min/max |"
            + " stored min/p50/max ms | _sync-writes insight-writes (max over zones) gc-ms"
            + " classes-loaded jit-ms | epoch-ms at the PUT");
    for (int w : shown) {
      List<Sample> of = samples.stream().filter(s -> s.write() == w).toList();
      if (of.isEmpty()) {
        continue;
      }
      Sample one = of.get(0);
      List<Double> sent = of.stream().map(Sample::sentMs).sorted().toList();
      List<Double> stored = of.stream().map(Sample::storedMs).sorted().toList();
      System.out.printf(
          "  %3d %7d | %6.1f %6.1f | %6.1f %6.1f | %6.1f %6.1f %6.1f | %3d %3d %4d %5d %5d | %d%n",
          w,
          one.uptimeMs(),
          one.committedMs(),
          one.globalWatchMs(),
          sent.get(0),
          sent.get(sent.size() - 1),
          stored.get(0),
          KdsSyncBench.percentile(stored, 0.5),
          stored.get(stored.size() - 1),
          of.stream().mapToInt(Sample::syncWrites).max().orElse(0),
          of.stream().mapToInt(Sample::insightWrites).max().orElse(0),
          one.gcMs(),
          one.classesLoaded(),
          one.jitMs(),
          one.epochMs());
    }
  }

  private static String split(String what, List<Sample> samples, ToDoubleFunction<Sample> f) {
    List<Double> values =
        samples.stream().map(f::applyAsDouble).filter(v -> !v.isNaN()).sorted().toList();
    return String.format(
        "%n  %-28s %7.1f / %7.1f",
        what, KdsSyncBench.percentile(values, 0.5), KdsSyncBench.percentile(values, 0.99));
  }

  private static long now() {
    return System.nanoTime();
  }

  private static double ms(long from, long to) {
    return to == 0 ? Double.NaN : (to - from) / 1e6;
  }

  private static long classesLoaded() {
    return ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount();
  }

  private static long jitMillis() {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    return jit != null && jit.isCompilationTimeMonitoringSupported()
        ? jit.getTotalCompilationTime()
        : 0;
  }

  private static long gcMillis() {
    long total = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      total += Math.max(0, gc.getCollectionTime());
    }
    return total;
  }

  private static Closeable watchBackground(ResourceStore store, Queue<Background> out) {
    long rev = store.currentRevision().join();
    return store.watch(
        rev,
        new WatchListener() {
          @Override
          public void onEvents(List<ResourceEvent> events) {
            long now = System.nanoTime();
            for (ResourceEvent e : events) {
              String type = e.key().type();
              if (type.equals(StandardTypes.ZONE_SYNC_STATE)
                  || type.equals(StandardTypes.ZONE_INSIGHT)) {
                out.add(new Background(now, type));
              }
            }
          }

          @Override
          public void onReset(List<Resource> all, long revision) {
            // nothing to count
          }
        });
  }

  /**
   * Calls {@code seen} with the write in progress when a store has it: a PUT of its name, or a
   * reset listing it. Arrivals of other names are ignored.
   */
  private static WatchListener arrival(AtomicReference<Pending> current, Consumer<Pending> seen) {
    return new WatchListener() {
      @Override
      public void onEvents(List<ResourceEvent> events) {
        Pending p = current.get();
        for (ResourceEvent e : events) {
          if (e.kind() == ResourceEvent.Kind.PUT && e.key().name().equals(p.name)) {
            seen.accept(p);
          }
        }
      }

      @Override
      public void onReset(List<Resource> all, long revision) {
        Pending p = current.get();
        for (Resource r : all) {
          if (r.name().equals(p.name)) {
            seen.accept(p);
          }
        }
      }
    };
  }

  static String permissionJson(String name) {
    return "{\"type\":\"TrafficPermission\",\"mesh\":\"default\",\"name\":\""
        + name
        + "\",\"sources\":[{\"match\":{\"kuma.io/service\":\"web\"}}],"
        + "\"destinations\":[{\"match\":{\"kuma.io/service\":\"backend\"}}]}";
  }
}

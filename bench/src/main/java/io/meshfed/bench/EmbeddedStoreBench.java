package io.meshfed.bench;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.embedded.EmbeddedResourceStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.stream.Stream;

/**
 * Write speed of the embedded store on this machine's disk: creates per second, each committed and
 * fsynced before it is acknowledged, with one write in flight and with 16. Each run opens a fresh
 * store in a new directory under {@code bench/target} (run from the repository root); prints every
 * run and the median.
 *
 * <p>Usage: {@code EmbeddedStoreBench [creates=2000] [runs=3]}
 */
public final class EmbeddedStoreBench {
  private EmbeddedStoreBench() {}

  public static void main(String[] args) throws Exception {
    int creates = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    System.out.printf(
        "Embedded store: %d TrafficPermission creates per run, %d runs, %d cores%n",
        creates, runs, Runtime.getRuntime().availableProcessors());
    for (int inFlight : List.of(1, 16)) {
      List<Double> rates = new ArrayList<>();
      for (int i = 0; i <= runs; i++) {
        double rate = run(creates, inFlight);
        if (i > 0) { // the first run warms the JIT up
          rates.add(rate);
          System.out.printf("  %2d in flight, run %d: %.0f creates/s%n", inFlight, i, rate);
        }
      }
      Collections.sort(rates);
      System.out.printf(
          "  %2d in flight: median %.0f creates/s%n", inFlight, rates.get(rates.size() / 2));
    }
  }

  private static double run(int creates, int inFlight) throws Exception {
    ResourceCodec codec = new ResourceCodec(StandardTypes.registry());
    // on the project's disk (bench/target), not in a temporary directory that may live in memory
    Path parent = Path.of("bench", "target");
    Path dir =
        Files.isDirectory(parent)
            ? Files.createTempDirectory(parent, "store-bench-")
            : Files.createTempDirectory("meshfed-store-bench-");
    try (ResourceStore store =
        EmbeddedResourceStore.open(dir, StandardTypes.registry(), Clock.systemUTC())) {
      store.create(codec.decodeOne("type: Mesh\nname: default\n")).join();
      Semaphore slots = new Semaphore(inFlight);
      List<CompletableFuture<Resource>> all = new ArrayList<>();
      long start = System.nanoTime();
      for (int i = 0; i < creates; i++) {
        slots.acquire();
        CompletableFuture<Resource> f = store.create(permission(codec, "p-" + i));
        f.whenComplete((r, e) -> slots.release());
        all.add(f);
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
      return creates / ((System.nanoTime() - start) / 1e9);
    } finally {
      delete(dir);
    }
  }

  private static Resource permission(ResourceCodec codec, String name) {
    return codec.decodeOne(
        "type: TrafficPermission\nmesh: default\nname: "
            + name
            + "\nsources:\n  - match:\n      kuma.io/service: web\n"
            + "destinations:\n  - match:\n      kuma.io/service: backend\n");
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}

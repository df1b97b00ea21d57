package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.SecretSpec;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourceEvent;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.WatchListener;
import io.meshfed.store.crypto.SecretsCipher;
import io.meshfed.store.crypto.SecretsKey;
import io.meshfed.store.crypto.SecretsKeySource;
import io.meshfed.store.crypto.SecretsKeyring;
import io.meshfed.store.etcd.EtcdResourceStore;
import io.meshfed.store.etcd.EtcdStoreOptions;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One type far over gRPC's 4 MiB message limit on a real etcd: 50 000 Secrets of which 75 are about
 * 1.3 MB, more than 100 MiB in all. The store lists it (all, a page, a selected page), a watch
 * relists it after a forced compaction, a global with a 512 MiB heap restarts on it and serves
 * pages, and a zone receives every Secret over KDS.
 */
class LargeTypeIT {
  static final int RESOURCES = 50_000;
  static final int LARGE_EVERY = 667; // 75 large secrets among 50 000
  static final int LARGE_RAW_BYTES = 1_000_000; // 1.33 MB once in base64
  static final String MESH = "big";
  static final String HEAP = "-Xmx512m";
  static final long MIB = 1L << 20;
  static final int IN_FLIGHT = 16;
  static final int BATCH = 100;

  @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
  Path dir;

  Federation f;

  @RegisterExtension final LogsOnFailure logsOnFailure = new LogsOnFailure(() -> f);

  @AfterEach
  void stop() throws Exception {
    if (f != null) {
      f.close();
    }
  }

  static String name(int i) {
    return String.format("s-%05d", i);
  }

  static boolean large(int i) {
    return i % LARGE_EVERY == 0;
  }

  @Test
  void aTypeOf50000ResourcesAndOver100MiBIsListedRelistedRestartedOnAndSynced() throws Exception {
    f =
        new Federation(dir)
            .withEtcd("--quota-backend-bytes=4294967296", "--max-request-bytes=1572864")
            .withJvm(List.of(HEAP), List.of(HEAP), Duration.ofSeconds(120))
            // the zone keeps its copy in memory: this test is about one type's size over KDS;
            // the embedded store's write speed is measured by scripts/bench-store
            .withZoneArgs("--store", "memory")
            .startGlobal();
    f.global.process.close();

    EtcdStoreOptions options = EtcdStoreOptions.of(f.etcd().clientUrl());
    try (EtcdResourceStore store =
        EtcdResourceStore.connect(options, StandardTypes.registry(), Clock.systemUTC())) {
      long started = System.nanoTime();
      try (Client raw = Client.builder().endpoints(f.etcd().clientUrl()).build()) {
        seed(store, raw, globalCipher());
      }
      report("seeded %d Secrets in %d ms", RESOURCES, millisSince(started));

      // the whole type, in pages
      started = System.nanoTime();
      ResourcePage all = store.list(ListQuery.inMesh(StandardTypes.SECRET, MESH)).join();
      long listMillis = millisSince(started);
      long bytes =
          all.items().stream().mapToLong(r -> r.spec(SecretSpec.class).data().length()).sum();
      assertThat(all.items()).hasSize(RESOURCES);
      assertThat(all.total()).isEqualTo(RESOURCES);
      assertThat(bytes).isGreaterThan(100 * MIB);
      assertThat(all.items().get(12_345).name()).isEqualTo(name(12_345));
      report(
          "listed %d Secrets, %d MiB of data, in %d ms",
          all.items().size(), bytes / MIB, listMillis);
      all = null;

      // one small page: reads keys, then five values
      started = System.nanoTime();
      ResourcePage page = store.list(ListQuery.all(StandardTypes.SECRET).page(30_000, 5)).join();
      report("listed one page of 5 at offset 30000 in %d ms", millisSince(started));
      assertThat(page.total()).isEqualTo(RESOURCES);
      assertThat(page.items().stream().map(Resource::name))
          .containsExactly(name(30_000), name(30_001), name(30_002), name(30_003), name(30_004));
      assertThat(page.nextOffset()).isEqualTo(30_005);

      // a selected page: every value streams by, only the page is kept
      ResourcePage largeOnes =
          store
              .list(
                  ListQuery.inMesh(StandardTypes.SECRET, MESH)
                      .withLabels(Map.of("size", "large"))
                      .page(70, 10))
              .join();
      assertThat(largeOnes.total()).isEqualTo(75);
      assertThat(largeOnes.items().stream().map(Resource::name))
          .containsExactly(
              name(70 * LARGE_EVERY),
              name(71 * LARGE_EVERY),
              name(72 * LARGE_EVERY),
              name(73 * LARGE_EVERY),
              name(74 * LARGE_EVERY));

      // a watch behind a forced compaction relists everything, in pages
      long now = store.currentRevision().join();
      try (Client raw = Client.builder().endpoints(f.etcd().clientUrl()).build()) {
        raw.getKVClient().compact(now).join();
      }
      started = System.nanoTime();
      AtomicReference<long[]> reset = new AtomicReference<>();
      try (Closeable w = store.watch(1, new ResetCounter(reset))) {
        await("relist after compaction")
            .atMost(Duration.ofSeconds(60))
            .until(() -> reset.get() != null);
      }
      report("relisted everything after a compaction in %d ms", millisSince(started));
      assertThat(reset.get()[0]).isEqualTo(RESOURCES);
      assertThat(reset.get()[1]).isGreaterThanOrEqualTo(now);
    }

    // a global restarted on that store becomes ready and serves pages of it
    long started = System.nanoTime();
    f.restartGlobal();
    report("global (%s) ready on the large store in %d ms", HEAP, millisSince(started));
    JsonNode first = f.get(f.global.api, "/meshes/" + MESH + "/secrets?size=1");
    assertThat(first.path("total").asInt()).isEqualTo(RESOURCES);
    assertThat(first.path("items").get(0).path("name").asText()).isEqualTo(name(0));
    JsonNode middle = f.get(f.global.api, "/meshes/" + MESH + "/secrets?size=2&offset=40000");
    assertThat(middle.path("items").get(0).path("name").asText()).isEqualTo(name(40_000));
    assertThat(middle.path("items").get(1).path("name").asText()).isEqualTo(name(40_001));

    // a zone receives the whole type over KDS
    started = System.nanoTime();
    Federation.Node zone = f.startZone("zone-1");
    await("zone-1 holds every Secret")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              JsonNode p = f.get(zone.api, "/meshes/" + MESH + "/secrets?size=1");
              return p != null && p.path("total").asInt() == RESOURCES;
            });
    report("zone-1 (%s) received %d Secrets in %d ms", HEAP, RESOURCES, millisSince(started));
    JsonNode big = f.get(zone.api, "/meshes/" + MESH + "/secrets/" + name(LARGE_EVERY));
    assertThat(big.path("data").asText()).hasSize(4 * ((LARGE_RAW_BYTES + 2) / 3));

    report("global heap after the sync and a full GC: %s", heapInfo(f.global.process.pid()));
    assertThat(f.global.process.isAlive()).isTrue();
    assertThat(f.global.process.logText()).doesNotContain("OutOfMemoryError");
    assertThat(zone.process.logText()).doesNotContain("OutOfMemoryError");
  }

  /**
   * Writes the mesh through the store, then the Secrets as the global's store stores them
   * (universal JSON at {@code <prefix>/Secret/<mesh>/<name>}, data encrypted with the global's
   * secrets key) in transactions of up to {@value #BATCH} small Secrets or one large one, {@value
   * #IN_FLIGHT} transactions in flight: a create per Secret would spend most of the test in etcd's
   * fsyncs.
   */
  private static void seed(EtcdResourceStore store, Client raw, SecretsCipher cipher)
      throws InterruptedException {
    store.create(resource(StandardTypes.MESH, null, MESH, Map.of(), MeshSpec.ofMtls(null))).join();
    ResourceCodec codec = new ResourceCodec(StandardTypes.registry());
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    byte[] noise = new byte[LARGE_RAW_BYTES];
    new Random(42).nextBytes(noise);
    Semaphore inFlight = new Semaphore(IN_FLIGHT);
    AtomicReference<Throwable> error = new AtomicReference<>();
    List<Op> batch = new ArrayList<>();
    for (int i = 0; i < RESOURCES && error.get() == null; i++) {
      byte[] data;
      if (large(i)) {
        noise[0] = (byte) i;
        noise[1] = (byte) (i >> 8);
        data = noise.clone();
      } else {
        data =
            ("small secret number " + i + " with some padding to look real: " + "x".repeat(100))
                .getBytes(StandardCharsets.UTF_8);
      }
      Map<String, String> labels = Map.of("size", large(i) ? "large" : "small");
      Resource secret =
          new Resource(
              ResourceKey.inMesh(StandardTypes.SECRET, MESH, name(i)),
              new Meta(labels, 0, now, now),
              new SecretSpec(
                  cipher.encrypt(
                      ResourceKey.inMesh(StandardTypes.SECRET, MESH, name(i)),
                      SecretSpec.of(data).data())));
      String key =
          store.options().prefix() + "/" + StandardTypes.SECRET + "/" + MESH + "/" + name(i);
      Op put =
          Op.put(
              ByteSequence.from(key, StandardCharsets.UTF_8),
              ByteSequence.from(codec.toJsonBytes(secret)),
              PutOption.DEFAULT);
      if (large(i)) {
        commit(raw, List.of(put), inFlight, error);
      } else {
        batch.add(put);
        if (batch.size() == BATCH) {
          commit(raw, batch, inFlight, error);
          batch = new ArrayList<>();
        }
      }
    }
    if (!batch.isEmpty()) {
      commit(raw, batch, inFlight, error);
    }
    inFlight.acquire(IN_FLIGHT);
    assertThat(error.get()).as("seeding").isNull();
  }

  /** The cipher of the global's secrets key (the file its first start wrote in its data dir). */
  private SecretsCipher globalCipher() throws java.io.IOException {
    Path file = f.globalDataDir().resolve(SecretsKeySource.DEFAULT_FILE_NAME);
    SecretsKey key = SecretsKey.fromBase64(java.nio.file.Files.readString(file).strip(), "" + file);
    return new SecretsCipher(SecretsKeyring.of(key), new java.security.SecureRandom());
  }

  private static void commit(
      Client raw, List<Op> puts, Semaphore inFlight, AtomicReference<Throwable> error)
      throws InterruptedException {
    inFlight.acquire();
    raw.getKVClient()
        .txn()
        .Then(puts.toArray(Op[]::new))
        .commit()
        .whenComplete(
            (ok, e) -> {
              if (e != null) {
                error.compareAndSet(null, e);
              }
              inFlight.release();
            });
  }

  private static Resource resource(
      String type,
      String mesh,
      String name,
      Map<String, String> labels,
      io.meshfed.model.Spec spec) {
    return new Resource(new ResourceKey(type, mesh, name), Meta.withLabels(labels), spec);
  }

  /** Counts the Secrets of the first reset and remembers its revision. */
  private record ResetCounter(AtomicReference<long[]> reset) implements WatchListener {
    @Override
    public void onEvents(List<ResourceEvent> events) {}

    @Override
    public void onReset(List<Resource> all, long revision) {
      long secrets = all.stream().filter(r -> r.type().equals(StandardTypes.SECRET)).count();
      reset.compareAndSet(null, new long[] {secrets, revision});
    }
  }

  /**
   * The heap after a full collection ({@code jcmd PID GC.run}, then GC.heap_info), for the report.
   */
  private static String heapInfo(long pid) {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    try {
      jcmd(jcmd, String.valueOf(pid), "GC.run");
      String out = jcmd(jcmd, String.valueOf(pid), "GC.heap_info");
      return out.lines().skip(1).limit(1).map(String::trim).findFirst().orElse(out);
    } catch (java.io.IOException e) {
      return "(jcmd failed: " + e + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(interrupted)";
    }
  }

  private static String jcmd(String... command) throws java.io.IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(30, TimeUnit.SECONDS);
    return out;
  }

  private static long millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1_000_000;
  }

  private static void report(String format, Object... args) {
    System.out.println("[LargeTypeIT] " + String.format(format, args));
  }
}

package io.meshfed.bench;

import io.meshfed.global.GlobalControlPlane;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.zone.ZoneControlPlane;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Response time of the monitoring assignment server for many dataplanes: a zone (with its global)
 * in process, {@code dataplanes} Dataplanes written to the zone's store in a mesh with a prometheus
 * backend, then {@code calls} sequential {@code POST
 * /v3/discovery:monitoringassignments?fetch-timeout=0s} with an empty {@code version_info} and
 * {@code calls} {@code GET /http-sd}. Prints the median and p99 and the body sizes.
 *
 * <p>Usage: {@code MadsBench [dataplanes=1000] [calls=50]}
 */
public final class MadsBench {
  private static final String TYPE_URL =
      "type.googleapis.com/kuma.observability.v1.MonitoringAssignment";

  private MadsBench() {}

  public static void main(String[] args) throws Exception {
    int dataplanes = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int calls = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    System.out.printf(
        "MADS response time: %d dataplanes on a zone, %d calls per route, %d cores%n",
        dataplanes, calls, Runtime.getRuntime().availableProcessors());
    Path dir = Files.createTempDirectory("meshfed-mads-bench-");
    ResourceCodec codec = new ResourceCodec(StandardTypes.registry());
    GlobalControlPlane global = InProcessFederation.startGlobal(dir, new MemoryResourceStore());
    ZoneControlPlane zone = InProcessFederation.zone(global, dir, "zone-1", global.kdsPort());
    try {
      zone.start();
      global
          .store()
          .create(
              one(
                  codec,
                  """
                  type: Mesh
                  name: default
                  metrics:
                    enabledBackend: prom-1
                    backends:
                    - {name: prom-1, type: prometheus, conf: {skipMTLS: true}}
                  """))
          .join();
      await(
          "the mesh reaches the zone",
          () ->
              zone.store()
                  .get(io.meshfed.model.ResourceKey.global(StandardTypes.MESH, "default"))
                  .join()
                  .isPresent());
      List<CompletableFuture<Resource>> writes = new ArrayList<>();
      for (int i = 0; i < dataplanes; i++) {
        writes.add(
            zone.store()
                .create(
                    one(
                        codec,
                        """
                        type: Dataplane
                        mesh: default
                        name: dp-%05d
                        networking:
                          address: 10.%d.%d.%d
                          inbound:
                          - port: 8080
                            tags: {kuma.io/service: svc-%d, kuma.io/zone: zone-1, version: v1}
                        """
                            .formatted(i, i / 65536 % 256, i / 256 % 256, i % 256, i % 50))));
      }
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
      String base = "http://127.0.0.1:" + zone.madsPort().orElseThrow();
      HttpClient http = HttpClient.newHttpClient();
      HttpRequest mads =
          HttpRequest.newBuilder(
                  URI.create(base + "/v3/discovery:monitoringassignments?fetch-timeout=0s"))
              .header("Content-Type", "application/json")
              .POST(
                  HttpRequest.BodyPublishers.ofString(
                      "{\"node\":{\"id\":\"bench\"},\"type_url\":\"" + TYPE_URL + "\"}"))
              .build();
      HttpRequest httpSd = HttpRequest.newBuilder(URI.create(base + "/http-sd")).GET().build();
      Instant written = Instant.now();
      String marker = "dp-%05d".formatted(dataplanes - 1);
      await(
          "the zone's MADS lists every dataplane",
          () -> http.send(mads, HttpResponse.BodyHandlers.ofString()).body().contains(marker));
      System.out.printf(
          "all %d targets served %d ms after the last write%n",
          dataplanes, Duration.between(written, Instant.now()).toMillis());
      measure("POST /v3/discovery:monitoringassignments?fetch-timeout=0s", http, mads, calls);
      measure("GET /http-sd", http, httpSd, calls);
    } finally {
      zone.close();
      global.close();
    }
  }

  private static void measure(String name, HttpClient http, HttpRequest request, int calls)
      throws Exception {
    for (int i = 0; i < 10; i++) { // warm-up
      http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }
    List<Long> micros = new ArrayList<>();
    int bytes = 0;
    for (int i = 0; i < calls; i++) {
      long start = System.nanoTime();
      HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      micros.add((System.nanoTime() - start) / 1000);
      if (r.statusCode() != 200) {
        throw new IllegalStateException(name + " answered " + r.statusCode());
      }
      bytes = r.body().length;
    }
    Collections.sort(micros);
    System.out.printf(
        "%s: median %.2f ms, p99 %.2f ms, %d KiB per answer%n",
        name,
        micros.get(micros.size() / 2) / 1000.0,
        micros.get(Math.min(micros.size() - 1, (int) Math.ceil(micros.size() * 0.99) - 1)) / 1000.0,
        bytes / 1024);
  }

  private interface Check {
    boolean ok() throws Exception;
  }

  private static void await(String what, Check check) throws Exception {
    Instant deadline = Instant.now().plusSeconds(120);
    while (!check.ok()) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("timed out waiting: " + what);
      }
      Thread.sleep(50);
    }
  }

  private static Resource one(ResourceCodec codec, String yaml) {
    var result = codec.decodeYaml(yaml);
    if (!result.rejected().isEmpty() || result.accepted().size() != 1) {
      throw new IllegalStateException("bad bench resource: " + result.rejected());
    }
    return result.accepted().get(0);
  }
}

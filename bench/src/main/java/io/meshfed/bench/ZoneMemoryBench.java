package io.meshfed.bench;

import io.meshfed.testing.LocalFederationArgs;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The memory of a zone control plane holding N registered Dataplanes, as a user runs it: global and
 * zone started through the repository's {@code ./meshfed} launcher (the control planes' JVM
 * options, memory stores), mesh {@code default} on global, then N Dataplanes (the shape {@code
 * bench-xds} writes: 50 services, one inbound and 2 or 3 outbounds each) {@code PUT} on the zone's
 * API, 16 in flight (the processes run with {@code MESHFED_DP_TOKEN_REQUIRED=false}); no Envoy
 * connects. Extra JVM options for the zone only come from the arguments after {@code --} (they are
 * added to {@code MESHFED_JAVA_OPTS}), to compare settings.
 *
 * <p>Prints, for the zone before and after the Dataplanes are written: {@code VmRSS} of {@code
 * /proc/<pid>/status} and the used heap after a full GC ({@code jcmd GC.run}, then {@code
 * GC.heap_info}); and the top of the zone's class histogram ({@code jcmd GC.class_histogram}) with
 * the Dataplanes in. Usage: {@code ZoneMemoryBench REPO_ROOT [dataplanes=10000] [-- zone JVM
 * options]}.
 */
public final class ZoneMemoryBench {
  private static final Duration TIMEOUT = Duration.ofMinutes(5);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /**
   * When set to N > 0, the bench also prints the N classes whose instances grew most on global
   * between 0 and N remote Dataplanes (bytes per remote Dataplane), from two class histograms.
   */
  private static final String GLOBAL_HISTOGRAM_ENV = "MESHFED_BENCH_GLOBAL_HISTOGRAM_TOP";

  /** A line of {@code jcmd GC.class_histogram}: rank, instances, bytes, class name. */
  private static final Pattern HISTOGRAM_LINE =
      Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");

  /** G1's whole heap, or Serial's / Parallel's generations (summed). */
  private static final Pattern HEAP_USED =
      Pattern.compile(
          "(?m)^\\s*(?:garbage-first heap|def new generation|tenured generation|PSYoungGen|ParOldGen)"
              + "\\s+total \\d+K, used (\\d+)K");

  private ZoneMemoryBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: ZoneMemoryBench REPO_ROOT [dataplanes=10000] [-- JVM options]");
      System.exit(2);
    }
    Path root = Path.of(args[0]).toAbsolutePath();
    int dataplanes = 10_000;
    List<String> zoneJvm = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      if (args[i].equals("--")) {
        zoneJvm.addAll(List.of(args).subList(i + 1, args.length));
        break;
      }
      dataplanes = Integer.parseInt(args[i]);
    }
    String top = System.getenv(GLOBAL_HISTOGRAM_ENV);
    int globalHistogramTop = top == null || top.isBlank() ? 0 : Integer.parseInt(top.strip());
    Path jar = root.resolve("deploy/target/meshfed.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build the deploy module");
    }
    Path dir = Files.createTempDirectory("meshfed-zone-memory-bench-");
    LocalFederationArgs fed = LocalFederationArgs.under(dir);
    System.out.printf(
        "zone memory: %d dataplanes, zone JVM options %s, %d cores%n",
        dataplanes, zoneJvm, Runtime.getRuntime().availableProcessors());
    Process global = null;
    Process zone = null;
    try {
      global = launch(root, jar, List.of(), dir.resolve("global.log"), fed.global());
      awaitStatus(global, fed.globalApi() + "/ready", 200); // GET / answers while it starts
      put(fed.globalApi() + "/meshes/default", "{\"type\":\"Mesh\",\"name\":\"default\"}");
      Path token = Files.writeString(dir.resolve("zone.token"), zoneToken(fed.globalApi()));
      zone = launch(root, jar, zoneJvm, dir.resolve("zone.log"), fed.zone("zone-1", token));
      // (the zone runs with MESHFED_DP_TOKEN_REQUIRED=false: Dataplanes are PUT without tokens)
      awaitStatus(zone, fed.zoneApi() + "/meshes/default", 200);
      report("empty", zone.pid(), false);
      long globalEmptyKb = report("global with 0 remote dataplanes", global.pid(), false);
      Map<String, long[]> globalEmptyHistogram =
          globalHistogramTop > 0 ? histogram(global.pid()) : Map.of();

      long t0 = System.nanoTime();
      writeDataplanes(fed.zoneApi(), dataplanes);
      System.out.printf(
          "dataplanes: %d written in %.1f s%n", dataplanes, (System.nanoTime() - t0) / 1e9);
      Thread.sleep(5000); // let the zone's KDS send them to global and its insights settle
      report(dataplanes + " dataplanes", zone.pid(), true);
      long globalFullKb =
          report("global with " + dataplanes + " remote dataplanes", global.pid(), false);
      System.out.printf(
          "BENCH global-heap-per-remote-dataplane-bytes=%.0f%n",
          (globalFullKb - globalEmptyKb) * 1024.0 / dataplanes);
      if (globalHistogramTop > 0) {
        printHistogramGrowth(
            globalEmptyHistogram, histogram(global.pid()), dataplanes, globalHistogramTop);
      }
    } finally {
      stop(zone);
      stop(global);
    }
  }

  /** Starts {@code ./meshfed ARGS} with the launcher's defaults plus {@code extraJvm}. */
  private static Process launch(Path root, Path jar, List<String> extraJvm, Path log, String[] args)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of(root.resolve("meshfed").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("MESHFED_"));
    pb.environment().put("MESHFED_JAR", jar.toString());
    pb.environment().put("MESHFED_DP_TOKEN_REQUIRED", "false");
    if (!extraJvm.isEmpty()) {
      pb.environment().put("MESHFED_JAVA_OPTS", String.join(" ", extraJvm));
    }
    return pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static void writeDataplanes(String zoneApi, int n) throws Exception {
    Semaphore inFlight = new Semaphore(16);
    List<CompletableFuture<?>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      inFlight.acquire();
      String json = XdsPropagationBench.dataplaneJson(1, i, n);
      String name = "dp-" + i;
      json = json.replaceFirst("\"name\":\"[^\"]+\"", "\"name\":\"" + name + "\"");
      CompletableFuture<HttpResponse<String>> r =
          HTTP.sendAsync(
              HttpRequest.newBuilder(URI.create(zoneApi + "/meshes/default/dataplanes/" + name))
                  .header("Content-Type", "application/json")
                  .PUT(HttpRequest.BodyPublishers.ofString(json))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      all.add(
          r.whenComplete((resp, e) -> inFlight.release())
              .thenAccept(
                  resp -> {
                    if (resp.statusCode() / 100 != 2) {
                      throw new IllegalStateException(
                          "PUT " + name + ": " + resp.statusCode() + " " + resp.body());
                    }
                  }));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
  }

  /**
   * Prints RSS and used heap after a full GC of {@code pid}, its class histogram's top and, when
   * the process runs with {@code -XX:NativeMemoryTracking}, the JVM's native memory by category.
   * Returns the used heap in KiB.
   */
  private static long report(String what, long pid, boolean histogram) throws Exception {
    long runningRssKb = rssKb(pid); // as it runs, before a forced collection
    jcmd(pid, "GC.run");
    jcmd(pid, "GC.run");
    long rssKb = rssKb(pid);
    Matcher used = HEAP_USED.matcher(jcmd(pid, "GC.heap_info"));
    long usedKb = 0;
    while (used.find()) {
      usedKb += Long.parseLong(used.group(1));
    }
    String label = what.replace(' ', '-');
    System.out.printf("BENCH rss-before-gc-mb[%s]=%.1f%n", label, runningRssKb / 1024.0);
    System.out.printf("BENCH rss-mb[%s]=%.1f%n", label, rssKb / 1024.0);
    System.out.printf("BENCH heap-used-after-gc-mb[%s]=%.1f%n", label, usedKb / 1024.0);
    System.out.printf(
        "  %s: %s%n", what, statusLines(pid, "RssAnon", "RssFile", "RssShmem", "Threads"));
    if (histogram) {
      String[] lines = jcmd(pid, "GC.class_histogram").split("\n");
      System.out.println("class histogram (top 25) of the zone with " + what + ":");
      for (int i = 0; i < Math.min(lines.length, 28); i++) {
        System.out.println("  " + lines[i]);
      }
      printNativeMemory(pid);
      printLargestMappings(pid, 8);
    }
    return usedKb;
  }

  /** Instances and bytes by class name, from {@code jcmd GC.class_histogram} (a full GC first). */
  private static Map<String, long[]> histogram(long pid) throws Exception {
    Map<String, long[]> byClass = new HashMap<>();
    for (String line : jcmd(pid, "GC.class_histogram").split("\n")) {
      Matcher m = HISTOGRAM_LINE.matcher(line);
      if (m.find()) {
        byClass.put(
            m.group(3), new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
      }
    }
    return byClass;
  }

  /** The {@code top} classes that grew most from {@code before} to {@code after}, per Dataplane. */
  private static void printHistogramGrowth(
      Map<String, long[]> before, Map<String, long[]> after, int dataplanes, int top) {
    record Growth(String name, long instances, long bytes) {}
    List<Growth> growth = new ArrayList<>();
    long total = 0;
    for (Map.Entry<String, long[]> e : after.entrySet()) {
      long[] was = before.getOrDefault(e.getKey(), new long[2]);
      Growth g = new Growth(e.getKey(), e.getValue()[0] - was[0], e.getValue()[1] - was[1]);
      total += g.bytes();
      growth.add(g);
    }
    growth.sort(Comparator.comparingLong(Growth::bytes).reversed());
    System.out.printf(
        "global class histogram growth with %d remote dataplanes (%.0f B each in all):%n",
        dataplanes, total / (double) dataplanes);
    System.out.println("  bytes/dp  instances/dp  class");
    for (Growth g : growth.subList(0, Math.min(top, growth.size()))) {
      System.out.printf(
          "  %8.1f  %12.2f  %s%n",
          g.bytes() / (double) dataplanes, g.instances() / (double) dataplanes, g.name());
    }
  }

  /**
   * The committed memory per category of {@code jcmd VM.native_memory summary} (nothing when the
   * JVM was started without native memory tracking).
   */
  private static void printNativeMemory(long pid) throws Exception {
    String summary = jcmd(pid, "VM.native_memory summary");
    if (summary.contains("not enabled")) {
      return;
    }
    Matcher m =
        Pattern.compile(
                "(?m)^(?:-\\s+)?(\\S[^(\\n]*?)\\s*\\(reserved=\\d+KB, committed=(\\d+)KB\\)")
            .matcher(summary);
    System.out.println("native memory (committed) of the zone:");
    while (m.find()) {
      String category = m.group(1).strip().replace(' ', '-');
      System.out.printf(
          "BENCH nmt-committed-mb[%s]=%.1f%n", category, Long.parseLong(m.group(2)) / 1024.0);
    }
  }

  /** The {@code n} mappings of {@code /proc/<pid>/smaps} with the most resident memory. */
  private static void printLargestMappings(long pid, int n) throws IOException {
    record Mapping(String header, long rssKb) {}
    List<Mapping> mappings = new ArrayList<>();
    String header = null;
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps"))) {
      if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
        header = line.replaceAll("\\s+", " ");
      } else if (line.startsWith("Rss:") && header != null) {
        mappings.add(new Mapping(header, Long.parseLong(line.replaceAll("\\D", ""))));
      }
    }
    mappings.sort((a, b) -> Long.compare(b.rssKb(), a.rssKb()));
    System.out.println("largest resident mappings of the zone:");
    for (Mapping m : mappings.subList(0, Math.min(n, mappings.size()))) {
      System.out.printf("  %8d kB  %s%n", m.rssKb(), m.header());
    }
  }

  /** The named lines of {@code /proc/<pid>/status}, e.g. anonymous and file-backed RSS. */
  private static String statusLines(long pid, String... names) throws IOException {
    List<String> found = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      for (String name : names) {
        if (line.startsWith(name + ":")) {
          found.add(line.replaceAll("\\s+", " "));
        }
      }
    }
    return String.join(", ", found);
  }

  private static long rssKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    throw new IllegalStateException("no VmRSS in the status of process " + pid);
  }

  private static String jcmd(long pid, String command) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p =
        new ProcessBuilder(jcmd.toString(), Long.toString(pid), command)
            .redirectErrorStream(true)
            .start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException("jcmd " + pid + " " + command + " failed");
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  private static void awaitStatus(Process p, String url, int status) throws Exception {
    HttpRequest get = HttpRequest.newBuilder(URI.create(url)).build();
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException("the process serving " + url + " exited early");
      }
      try {
        if (HTTP.send(get, HttpResponse.BodyHandlers.discarding()).statusCode() == status) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException(url + " did not answer " + status + " in " + TIMEOUT);
  }

  private static void put(String url, String json) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IllegalStateException("PUT " + url + ": " + r.statusCode() + " " + r.body());
    }
  }

  private static String zoneToken(String globalApi) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(globalApi + "/tokens/zone"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"zone\":\"zone-1\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("zone token from global: " + r.statusCode() + " " + r.body());
    }
    return r.body().strip();
  }

  private static void stop(Process p) throws InterruptedException {
    if (p == null) {
      return;
    }
    p.destroy();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }
}

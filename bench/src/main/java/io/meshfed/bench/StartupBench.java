package io.meshfed.bench;

import io.meshfed.testing.ClassDataTraining;
import io.meshfed.testing.LocalFederationArgs;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Start-up of the {@code meshfed} command as a user runs it: {@code java -jar meshfed.jar}, the
 * JVM's default options, with and without the jar's class-data archive ({@code meshfed.jar.jsa},
 * made by the deploy module's package phase; mapped with the options the {@code ./meshfed} launcher
 * passes with it, {@link ClassDataTraining#mappingOptions}).
 *
 * <ul>
 *   <li>{@code global}: from starting {@code global run --store memory} until {@code GET /} on its
 *       API answers 200;
 *   <li>{@code zone}: the same for {@code zone run} (memory store) connected to that global;
 *   <li>{@code global-first}, {@code zone-first}: until {@code GET /} gets any HTTP answer (the API
 *       listens), and {@code global-ready}, {@code zone-ready}: until {@code GET /ready} answers
 *       200 (fully serving; a zone after its first sync from global);
 *   <li>{@code get}: the wall time of {@code meshfed get meshes} against global, start to exit;
 *   <li>{@code get-launcher}: the same through the repository's {@code ./meshfed} script (with
 *       {@code MESHFED_JAR}, so it does not look for changed sources).
 * </ul>
 *
 * <p>Wall times depend on what else the machine runs; the CPU time each process used until its API
 * answered (and a {@code get}'s, through {@code time(1)} when it is installed) much less so, and is
 * printed too ({@code -cpu-ms}).
 *
 * <p>Prints one {@code BENCH startup-<what>-ms[<archive>] run=<n>} line per run and the median of
 * the runs. Usage: {@code StartupBench REPO_ROOT [runs=3] [modes=no-archive,archive]} (modes: a
 * comma list of {@code no-archive} and {@code archive}).
 */
public final class StartupBench {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Path GNU_TIME = Path.of("/usr/bin/time");

  private final Path jar;
  private final Path launcher;
  private final String java;
  private final Path work;
  private final Map<String, List<Long>> figures = new LinkedHashMap<>();
  private final Map<String, Long> pending = new LinkedHashMap<>();

  private StartupBench(Path root, Path work) {
    this.jar = root.resolve("deploy/target/meshfed.jar");
    this.launcher = root.resolve("meshfed");
    this.java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    this.work = work;
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: StartupBench REPO_ROOT [runs=3] [modes=no-archive,archive]");
      System.exit(2);
    }
    Path root = Path.of(args[0]).toAbsolutePath();
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    List<String> modes = List.of((args.length > 2 ? args[2] : "no-archive,archive").split(","));
    Path work = Files.createTempDirectory("meshfed-startup-bench-");
    StartupBench bench = new StartupBench(root, work);
    Path archive = bench.jar.resolveSibling("meshfed.jar.jsa");
    if (!Files.isRegularFile(bench.jar)) {
      throw new IllegalStateException(bench.jar + " is missing: build the deploy module");
    }
    boolean haveArchive =
        Files.isRegularFile(archive)
            && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(bench.jar))
                >= 0;
    System.out.printf(
        "Start-up of meshfed.jar, %d runs each, %d cores, class-data archive: %s%n",
        runs, Runtime.getRuntime().availableProcessors(), haveArchive ? archive : "none");
    for (int run = 1; run <= runs; run++) {
      if (modes.contains("no-archive")) {
        bench.attempt(run, List.of("-Xshare:off"), "no-archive", true);
      }
      if (haveArchive && modes.contains("archive")) {
        List<String> mapped = new ArrayList<>(ClassDataTraining.mappingOptions(archive));
        mapped.add("-Xshare:on");
        bench.attempt(run, mapped, "archive", false);
      }
    }
    bench.printMedians();
    deleteTree(work);
  }

  /**
   * {@link #oneRun}, again (up to 3 times, on new ports) when a process did not start: a free port
   * can be taken by another process before a slow-starting control plane binds it.
   */
  private void attempt(int run, List<String> jvm, String mode, boolean launcherWithoutArchive)
      throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        pending.clear();
        oneRun(run, jvm, mode, launcherWithoutArchive);
        pending.forEach(
            (name, ms) -> {
              figures.computeIfAbsent(name, k -> new ArrayList<>()).add(ms);
              System.out.printf("BENCH %s run=%d %d%n", name, run, ms);
            });
        return;
      } catch (IllegalStateException e) {
        if (attempt == 3) {
          throw e;
        }
        System.out.printf(
            "run %d (%s) failed, again on new ports: %s%n", run, mode, e.getMessage());
      }
    }
  }

  /**
   * One run: global, then a zone connected to it and a CLI call against it. {@code -Xshare:off} for
   * "no archive" also leaves out the JDK's own default archive, as a JVM without any CDS.
   */
  private void oneRun(int run, List<String> jvm, String mode, boolean launcherWithoutArchive)
      throws Exception {
    Path dir = Files.createTempDirectory(work, mode + "-" + run + "-");
    LocalFederationArgs args = LocalFederationArgs.under(dir);
    String globalApi = args.globalApi();
    Process global = null;
    Process zone = null;
    try {
      long start = System.nanoTime();
      global = start(jvm, dir.resolve("global.log"), args.global());
      awaitStartup("global", global, globalApi, mode, run, start);

      Path token = Files.writeString(dir.resolve("zone.token"), zoneToken(globalApi));
      String zoneApi = args.zoneApi();
      start = System.nanoTime();
      zone = start(jvm, dir.resolve("zone.log"), args.zone("zone-1", token));
      awaitStartup("zone", zone, zoneApi, mode, run, start);

      List<String> get = new ArrayList<>(List.of(java));
      get.addAll(jvm);
      get.addAll(List.of("-jar", jar.toString(), "get", "meshes", "--api", globalApi));
      start = System.nanoTime();
      runToEnd(new ProcessBuilder(get), dir.resolve("get.log"));
      record("get", mode, run, start);
      if (Files.isExecutable(GNU_TIME)) { // the CPU of a process that has ended: ask time(1)
        Path cpu = dir.resolve("get.cpu");
        List<String> timed = new ArrayList<>(List.of(GNU_TIME.toString(), "-o", cpu.toString()));
        timed.addAll(List.of("-f", "%U %S"));
        timed.addAll(get);
        runToEnd(new ProcessBuilder(timed), dir.resolve("get-timed.log"));
        String[] userSys = Files.readString(cpu).strip().split("\\s+");
        long ms =
            Math.round((Double.parseDouble(userSys[0]) + Double.parseDouble(userSys[1])) * 1000);
        add("startup-get-cpu-ms[" + mode + "]", run, ms);
      }

      ProcessBuilder viaLauncher =
          new ProcessBuilder(launcher.toString(), "get", "meshes", "--api", globalApi);
      viaLauncher.environment().keySet().removeIf(k -> k.startsWith("MESHFED_"));
      viaLauncher.environment().put("MESHFED_JAR", jar.toString());
      if (launcherWithoutArchive) {
        viaLauncher.environment().put("MESHFED_NO_CDS", "1");
      }
      start = System.nanoTime();
      runToEnd(viaLauncher, dir.resolve("get-launcher.log"));
      record("get-launcher", mode, run, start);
    } finally {
      stop(zone);
      stop(global);
    }
  }

  private Process start(List<String> jvm, Path log, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(java));
    cmd.addAll(jvm);
    cmd.addAll(List.of("-jar", jar.toString()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static void runToEnd(ProcessBuilder pb, Path log) throws Exception {
    Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(pb.command() + " did not end in " + TIMEOUT);
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(
          pb.command() + " exited " + p.exitValue() + ": " + Files.readString(log).strip());
    }
  }

  /**
   * Records three figures of a starting control plane: {@code <what>-first} when {@code GET /}
   * first gets an HTTP answer (any status: the port listens and the API answers), {@code <what>}
   * when it answers 200 (the figure this bench always printed), and {@code <what>-ready} when
   * {@code GET /ready} answers 200 (what tests and scripts wait for: fully serving, for a zone
   * after its first sync from global); and the process's CPU time until {@code GET /} answered 200.
   */
  private void awaitStartup(String what, Process p, String api, String mode, int run, long start)
      throws Exception {
    int status = awaitAnswer(p, api, "/", s -> true);
    record(what + "-first", mode, run, start);
    if (status != 200) {
      awaitAnswer(p, api, "/", s -> s == 200);
    }
    record(what, mode, run, start);
    recordCpu(what, mode, run, p);
    awaitAnswer(p, api, "/ready", s -> s == 200);
    record(what + "-ready", mode, run, start);
  }

  /** Polls {@code GET api+path} every 5 ms until its status passes {@code wanted}; returns it. */
  private static int awaitAnswer(
      Process p, String api, String path, java.util.function.IntPredicate wanted) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(api + path)).build();
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException("the process serving " + api + " exited early");
      }
      try {
        int status = HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        if (wanted.test(status)) {
          return status;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(5);
    }
    throw new IllegalStateException(
        api + " did not answer GET " + path + " as wanted in " + TIMEOUT);
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

  private void record(String what, String mode, int run, long startNanos) {
    add("startup-" + what + "-ms[" + mode + "]", run, (System.nanoTime() - startNanos) / 1_000_000);
  }

  /** The CPU time (user + system) {@code p} has used so far, when the OS tells it. */
  private void recordCpu(String what, String mode, int run, Process p) {
    p.info()
        .totalCpuDuration()
        .ifPresent(cpu -> add("startup-" + what + "-cpu-ms[" + mode + "]", run, cpu.toMillis()));
  }

  /** Kept until the run succeeds, then printed and added to the figures. */
  private void add(String name, int run, long ms) {
    pending.put(name, ms);
  }

  private void printMedians() {
    figures.forEach(
        (name, values) -> {
          List<Long> sorted = values.stream().sorted().toList();
          System.out.printf(
              "BENCH %s median=%d runs=%s%n", name, sorted.get(sorted.size() / 2), values);
        });
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

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}

package io.meshfed.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Makes the application class-data sharing (AppCDS) archive of {@code meshfed.jar}: {@code
 * meshfed.jar.jsa} next to the jar. Training runs record the classes each role loads ({@code
 * -XX:DumpLoadedClassList}): {@code global run} on a memory store until ready, the CLI's {@code
 * generate zone-token} against it, {@code zone run} connected to it until ready, the CLI's {@code
 * apply} of a mesh and {@code get meshes} (a table); then the control planes are stopped and one
 * static archive is dumped from the merged class lists ({@code -Xshare:dump}), so a global, a zone
 * and a CLI call all map their classes instead of loading and verifying them.
 *
 * <p>Run by the deploy module's package phase ({@code main}, argument: the jar) and, when no
 * archive is found beside the jar, on the first use by {@link ClassDataArchive}. Only a speed-up: a
 * run that fails leaves no archive, and JVMs then load classes from the jar as before.
 */
public final class ClassDataTraining {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration CLI_TIMEOUT = Duration.ofSeconds(60);

  private final Path jar;
  private final String java;
  private final Path work;
  private final List<Path> classLists = new ArrayList<>();

  private ClassDataTraining(Path jar, String java, Path work) {
    this.jar = jar;
    this.java = java;
    this.work = work;
  }

  /** The archive file of {@code jar}: {@code JAR.jsa} beside it. */
  public static Path archiveOf(Path jar) {
    return jar.resolveSibling(jar.getFileName() + ".jsa");
  }

  /**
   * The JVM options that map {@code archive} as the {@code ./meshfed} launcher does: quietly (CDS
   * warnings would go to the process's stdout) and at the address it was laid out for ({@code
   * ArchiveRelocationMode=0}; the JVM's default relocates it on every start, rewriting the pointers
   * of the whole archive before {@code main}), relocated only when that address is taken.
   */
  public static List<String> mappingOptions(Path archive) {
    return List.of(
        "-XX:SharedArchiveFile=" + archive,
        "-Xlog:cds=off",
        "-Xlog:cds+dynamic=off",
        "-XX:+UnlockDiagnosticVMOptions",
        "-XX:ArchiveRelocationMode=0");
  }

  /**
   * Makes the archive of the jar {@code args[0]}; prints what it did, or why there is no archive,
   * and exits 0 either way (the archive is a speed-up, never a reason to fail a build).
   */
  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: ClassDataTraining JAR");
      System.exit(2);
    }
    Path jar = Path.of(args[0]).toAbsolutePath();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    long start = System.nanoTime();
    try {
      Path archive = make(jar, java);
      System.out.printf(
          "class-data archive %s made in %d ms%n",
          archive, (System.nanoTime() - start) / 1_000_000);
    } catch (IOException | RuntimeException e) {
      System.out.println("no class-data archive for " + jar + ": " + e);
    }
  }

  /**
   * Trains and dumps the archive of {@code jar} with the JVM {@code java}, replacing the archive
   * beside the jar at once when done; throws when a step fails (the work files are then kept for a
   * look, in a {@code cds-training*} directory beside the jar).
   */
  static Path make(Path jar, String java) throws IOException, InterruptedException {
    if (!Files.isRegularFile(jar)) {
      throw new IOException(jar + " is missing");
    }
    Path work = Files.createTempDirectory(jar.toAbsolutePath().getParent(), "cds-training");
    Path archive = new ClassDataTraining(jar, java, work).train();
    deleteTree(work);
    return archive;
  }

  private Path train() throws IOException, InterruptedException {
    LocalFederationArgs args = LocalFederationArgs.under(work);
    String globalApi = args.globalApi();
    Process global = start("global", args.global());
    Process zone = null;
    try {
      awaitReady(global, globalApi);
      Path token = work.resolve("zone.token");
      cli("cli-token", token, "generate", "zone-token", "--zone", "training", "--api", globalApi);
      String zoneApi = args.zoneApi();
      zone = start("zone", args.zone("training", token));
      awaitReady(zone, zoneApi);
      // a mesh first, so that `get` prints a table (its columns are classes and lambdas too)
      Path mesh = Files.writeString(work.resolve("mesh.yaml"), "type: Mesh\nname: default\n");
      cli(
          "cli-apply",
          work.resolve("apply.out"),
          "apply",
          "-f",
          mesh.toString(),
          "--api",
          globalApi);
      cli("cli-get", work.resolve("get.out"), "get", "meshes", "--api", globalApi);
    } finally {
      stop(zone);
      stop(global);
    }
    return dump();
  }

  /** Starts a training JVM that writes the classes it loads to {@code NAME.classlist}. */
  private Process start(String name, String... args) throws IOException {
    return new ProcessBuilder(command(name, args))
        .redirectErrorStream(true)
        .redirectOutput(work.resolve(name + ".log").toFile())
        .start();
  }

  private void cli(String name, Path stdout, String... args)
      throws IOException, InterruptedException {
    Path err = work.resolve(name + ".err");
    Process p =
        new ProcessBuilder(command(name, args))
            .redirectOutput(stdout.toFile())
            .redirectError(err.toFile())
            .start();
    if (!p.waitFor(CLI_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("meshfed " + String.join(" ", args) + " did not end in " + CLI_TIMEOUT);
    }
    if (p.exitValue() != 0) {
      throw new IOException(
          "meshfed "
              + String.join(" ", args)
              + " exited "
              + p.exitValue()
              + ": "
              + Files.readString(err, StandardCharsets.UTF_8).strip());
    }
  }

  /** {@code java -jar meshfed.jar ARGS} writing the classes it loads to {@code NAME.classlist}. */
  private List<String> command(String name, String... args) {
    Path classList = work.resolve(name + ".classlist");
    classLists.add(classList);
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.add("-XX:DumpLoadedClassList=" + classList);
    cmd.addAll(MeshfedProcess.DEFAULT_JVM_OPTIONS);
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Merges the class lists ({@link #merge}) and dumps the static archive. */
  private Path dump() throws IOException, InterruptedException {
    List<List<String>> lists = new ArrayList<>();
    for (Path list : classLists) {
      if (Files.isRegularFile(list)) {
        lists.add(Files.readAllLines(list, StandardCharsets.UTF_8));
      }
    }
    List<String> lines = merge(lists);
    if (lines.isEmpty()) {
      throw new IOException("the training runs recorded no classes (see " + work + ")");
    }
    Path merged = Files.write(work.resolve("merged.classlist"), lines);
    Path partial = work.resolve("partial.jsa");
    Path log = work.resolve("dump.log");
    Process p =
        new ProcessBuilder(
                java,
                "-Xshare:dump",
                "-XX:SharedClassListFile=" + merged,
                "-XX:SharedArchiveFile=" + partial,
                "-cp",
                jar.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IOException("the archive dump did not end in 5 minutes (see " + log + ")");
    }
    if (p.exitValue() != 0 || !Files.isRegularFile(partial)) {
      throw new IOException(
          "the archive dump failed, exit " + p.exitValue() + " (see " + log + ")");
    }
    Path archive = archiveOf(jar);
    Files.move(
        partial, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return archive;
  }

  /**
   * The class lists as one, first seen first, comments and blank lines left out: each line as many
   * times as the list that holds it most often. A class is listed once, but a lambda's line ({@code
   * @lambda-proxy ...}) once per call site that made it: the dump links one call site per line, so
   * a line kept once would leave the class's other call sites with the same lambda (Jetty's {@code
   * TypeUtil} has two of each of its seven converters) to be spun at run time.
   */
  static List<String> merge(List<List<String>> lists) {
    Map<String, Integer> times = new LinkedHashMap<>();
    for (List<String> list : lists) {
      Map<String, Integer> inList = new HashMap<>();
      for (String line : list) {
        if (!line.isBlank() && !line.startsWith("#")) {
          times.merge(line, inList.merge(line, 1, Integer::sum), Math::max);
        }
      }
    }
    List<String> merged = new ArrayList<>();
    times.forEach((line, n) -> merged.addAll(Collections.nCopies(n, line)));
    return merged;
  }

  /** SIGTERM, so that the JVM ends normally and writes its class list out. */
  private static void stop(Process p) throws InterruptedException {
    if (p == null) {
      return;
    }
    p.destroy();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private void awaitReady(Process p, String api) throws IOException {
    HttpClient http = HttpClient.newHttpClient();
    try {
      Awaitility.await("class-data training run ready at " + api)
          .atMost(READY_TIMEOUT)
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                if (!p.isAlive()) {
                  throw new IllegalStateException("a training run exited early (see " + work + ")");
                }
                try {
                  return http.send(
                              HttpRequest.newBuilder(URI.create(api + "/ready")).build(),
                              HttpResponse.BodyHandlers.discarding())
                          .statusCode()
                      == 200;
                } catch (IOException notYet) {
                  return false;
                }
              });
    } catch (ConditionTimeoutException e) {
      throw new IOException("a training run was not ready in " + READY_TIMEOUT + " at " + api, e);
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

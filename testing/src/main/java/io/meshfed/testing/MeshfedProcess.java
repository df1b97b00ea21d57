package io.meshfed.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * Runs the built {@code meshfed.jar} as a real process: a control plane or one CLI call. The jar is
 * the {@value #JAR_PROPERTY} system property, else {@code target/meshfed.jar}.
 */
public final class MeshfedProcess implements AutoCloseable {
  public static final String JAR_PROPERTY = "meshfed.jar";
  static final Path JAR =
      Path.of(System.getProperty(JAR_PROPERTY, Path.of("target", "meshfed.jar").toString()))
          .toAbsolutePath();

  private final Process process;
  private final Path log;

  private MeshfedProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * The JVM options a CLI call, {@code dp run} or the demo gets unless told otherwise: a small
   * heap, quick start.
   */
  public static final List<String> DEFAULT_JVM_OPTIONS =
      List.of("-Xmx256m", "-XX:TieredStopAtLevel=1");

  /**
   * The file of the control planes' JVM options, one a line, {@code #} comments: in the deploy
   * module, beside the {@code target} directory of the jar. The {@code ./meshfed} launcher reads
   * the same file.
   */
  static final String CONTROL_PLANE_OPTIONS_FILE = "control-plane-jvm.options";

  /** What a control plane gets besides its JVM options file: quick start (JIT's first tier). */
  private static final List<String> CONTROL_PLANE_TEST_OPTIONS = List.of("-XX:TieredStopAtLevel=1");

  /**
   * Starts {@code meshfed ARGS} in the background, output to {@code log}. A control plane ({@code
   * global ...}, {@code zone ...}) runs with the options of {@value #CONTROL_PLANE_OPTIONS_FILE},
   * as the launcher runs it, and the JIT's first tier; anything else with {@link
   * #DEFAULT_JVM_OPTIONS}.
   */
  public static MeshfedProcess start(Path log, String... args) {
    return start(
        log, isControlPlane(args) ? CONTROL_PLANE_TEST_OPTIONS : DEFAULT_JVM_OPTIONS, args);
  }

  /**
   * Starts {@code meshfed ARGS} in the background with {@code jvmOptions} (e.g. {@code -Xmx1g})
   * instead of the defaults of {@link #start(Path, String...)}, output to {@code log}. A control
   * plane still gets {@value #CONTROL_PLANE_OPTIONS_FILE} first; {@code jvmOptions} come after it
   * and win.
   */
  public static MeshfedProcess start(Path log, List<String> jvmOptions, String... args) {
    List<String> options = new ArrayList<>();
    if (isControlPlane(args)) {
      options.addAll(controlPlaneJvmOptions());
    }
    options.addAll(jvmOptions);
    try {
      ProcessBuilder pb = new ProcessBuilder(command(options, args));
      if (isControlPlane(args)) {
        pb.environment().putIfAbsent("MALLOC_ARENA_MAX", CONTROL_PLANE_MALLOC_ARENA_MAX);
      }
      pb.redirectErrorStream(true);
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      return new MeshfedProcess(pb.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until {@code GET url/ready} answers 200, failing with the process log otherwise. */
  public MeshfedProcess awaitReady(String apiUrl) {
    return awaitReady(apiUrl, Duration.ofSeconds(60));
  }

  /** Waits at most {@code timeout} until {@code GET url/ready} answers 200. */
  public MeshfedProcess awaitReady(String apiUrl, Duration timeout) {
    HttpClient http = HttpClient.newHttpClient();
    Awaitility.await("control plane ready at " + apiUrl)
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new AssertionError("process exited early:\n" + logText());
              }
              try {
                return http.send(
                            HttpRequest.newBuilder(URI.create(apiUrl + "/ready")).build(),
                            HttpResponse.BodyHandlers.discarding())
                        .statusCode()
                    == 200;
              } catch (IOException notYet) {
                return false;
              }
            });
    return this;
  }

  public String logText() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** The exit code, once the process has ended. */
  public OptionalInt exitCode() {
    return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
  }

  /** SIGKILL: no shutdown hook runs. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /**
   * Freezes the process with SIGSTOP, as a long GC pause or a hung host would: its sockets stay
   * open and nothing answers. {@link #resume()} (or {@link #kill()}) ends it.
   */
  public void pause() {
    signal("STOP");
  }

  /** Lets a {@linkplain #pause() paused} process run again (SIGCONT). */
  public void resume() {
    signal("CONT");
  }

  private void signal(String name) {
    if (!process.isAlive()) {
      throw new IllegalStateException("meshfed pid " + process.pid() + " is not running");
    }
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
              .redirectErrorStream(true)
              .start();
      String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!kill.waitFor(15, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException(
            "kill -" + name + " " + process.pid() + " failed: " + output.strip());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run kill -" + name, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sending SIG" + name, e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      kill();
    }
  }

  /** The outcome of one CLI call. */
  public record Result(int exitCode, String stdout, String stderr) {}

  /** Runs {@code meshfed ARGS} to completion with {@code stdin} as input. */
  public static Result run(String stdin, String... args) {
    try {
      ProcessBuilder pb = new ProcessBuilder(command(DEFAULT_JVM_OPTIONS, args));
      Process p = pb.start();
      if (stdin != null) {
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      p.getOutputStream().close();
      var out = p.getInputStream().readAllBytes();
      var err = p.getErrorStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("meshfed " + String.join(" ", args) + " did not finish in 60s");
      }
      return new Result(
          p.exitValue(),
          new String(out, StandardCharsets.UTF_8),
          new String(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * The JVM options that map the jar's class-data archive (made on first use; empty when there is
   * none), for tests that run the jar another way, e.g. through the {@code ./meshfed} script's
   * {@code MESHFED_JAVA_OPTS}. They change how classes are loaded, nothing the process does.
   */
  public static List<String> classDataSharingOptions() {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR + " is missing: run the deploy module's package phase");
    }
    return ClassDataArchive.jvmOptions(JAR, javaBinary());
  }

  /** glibc's malloc arenas of a control plane, as the launcher sets them unless already set. */
  static final String CONTROL_PLANE_MALLOC_ARENA_MAX = "2";

  private static boolean isControlPlane(String... args) {
    return args.length > 0 && (args[0].equals("global") || args[0].equals("zone"));
  }

  /**
   * The control planes' JVM options, from {@value #CONTROL_PLANE_OPTIONS_FILE} in the deploy module
   * of the jar under test.
   */
  public static List<String> controlPlaneJvmOptions() {
    return controlPlaneJvmOptions(JAR);
  }

  /**
   * The options of {@value #CONTROL_PLANE_OPTIONS_FILE} for {@code jar} ({@code
   * deploy/target/*.jar}).
   */
  static List<String> controlPlaneJvmOptions(Path jar) {
    Path target = jar.toAbsolutePath().getParent();
    Path deploy = target == null ? null : target.getParent();
    if (deploy == null) {
      throw new IllegalStateException(
          "no JVM options for the control planes: expected the jar "
              + jar
              + " in the deploy module's target directory, beside "
              + CONTROL_PLANE_OPTIONS_FILE);
    }
    Path file = deploy.resolve(CONTROL_PLANE_OPTIONS_FILE);
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
          .map(String::strip)
          .filter(line -> !line.isEmpty() && !line.startsWith("#"))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the control planes' JVM options "
              + file
              + " (expected in the deploy module, beside the target directory of "
              + jar
              + ")",
          e);
    }
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static List<String> command(List<String> jvmOptions, String... args) {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR + " is missing: run the deploy module's package phase");
    }
    List<String> cmd = new ArrayList<>();
    String java = javaBinary();
    cmd.add(java);
    cmd.addAll(ClassDataArchive.jvmOptions(JAR, java));
    cmd.addAll(jvmOptions);
    cmd.add("-jar");
    cmd.add(JAR.toString());
    cmd.addAll(List.of(args));
    return cmd;
  }
}

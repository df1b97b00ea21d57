package io.meshfed.cli;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The control planes of {@code meshfed demo --ha} as separate processes ({@code java -jar
 * meshfed.jar global run ...}, {@code zone run ...}) of the jar this demo runs from, so that one
 * can be killed with SIGKILL. Each writes its output to {@code <dir>/<name>.log}. {@link #close()}
 * stops every process still running (SIGTERM, then SIGKILL after 10 s).
 */
final class HaDemoProcesses implements AutoCloseable {
  /** A small heap and the quick compiler: ten JVMs share the machine in this demo. */
  private static final List<String> JVM_OPTIONS =
      List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k");

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  /** One control plane process, its REST API and the arguments it was started with. */
  record ControlPlane(String name, String api, Process process, List<String> args) {
    ControlPlane {
      args = List.copyOf(args);
    }

    /** SIGKILL, as when the machine under it dies; returns once the process is gone. */
    void kill() throws InterruptedException {
      process.destroyForcibly();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        throw new CliException(
            "control plane " + name + " (pid " + process.pid() + ") survived kill -9");
      }
    }
  }

  private final Path dir;
  private final Path java;
  private final Path jar;
  private final List<ControlPlane> started = new ArrayList<>();
  private boolean closed;

  private HaDemoProcesses(Path dir, Path java, Path jar) {
    this.dir = dir;
    this.java = java;
    this.jar = jar;
  }

  /**
   * Processes of the jar this class was loaded from, run by the JVM running it; refuses (with what
   * to do instead) when the demo does not run from the fat jar.
   */
  static HaDemoProcesses ofThisJar(Path dir) {
    Path jar;
    try {
      jar =
          Path.of(
              HaDemoProcesses.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException | SecurityException | NullPointerException e) {
      throw new CliException("demo --ha cannot tell which jar it runs from: " + e);
    }
    if (!Files.isRegularFile(jar) || !jar.toString().endsWith(".jar")) {
      throw new CliException(
          "demo --ha starts the control planes as processes of meshfed.jar, but this demo runs"
              + " from "
              + jar
              + " (expected the fat jar: run ./meshfed demo --ha)");
    }
    return of(dir, jar);
  }

  /**
   * Processes of {@code jar} run by the JVM running this class, e.g. for a test that runs the built
   * fat jar.
   */
  static HaDemoProcesses of(Path dir, Path jar) {
    Path java =
        ProcessHandle.current()
            .info()
            .command()
            .map(Path::of)
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java"));
    return new HaDemoProcesses(dir, java, jar);
  }

  /** Starts {@code meshfed ARGS} as process {@code name} whose API listens on {@code apiPort}. */
  synchronized ControlPlane start(String name, int apiPort, List<String> args) throws IOException {
    return launch(new ControlPlane(name, "http://127.0.0.1:" + apiPort, null, args));
  }

  /**
   * Stops {@code cp} with SIGTERM (SIGKILL after {@code grace}) and starts it again with the same
   * arguments, its output appended to the same log; returns the new process. Does not wait until it
   * is ready.
   */
  ControlPlane restart(ControlPlane cp, Duration grace) throws IOException, InterruptedException {
    cp.process().destroy();
    if (!cp.process().waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      cp.process().destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    synchronized (this) {
      started.remove(cp);
      return launch(cp);
    }
  }

  private ControlPlane launch(ControlPlane cp) throws IOException {
    if (closed) {
      throw new CliException("the demo is stopping: " + cp.name() + " is not started");
    }
    List<String> command = new ArrayList<>();
    command.add(java.toString());
    command.addAll(JVM_OPTIONS);
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(cp.args());
    Path log = dir.resolve(cp.name() + ".log");
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    p.getOutputStream().close();
    ControlPlane running = new ControlPlane(cp.name(), cp.api(), p, cp.args());
    started.add(running);
    return running;
  }

  /** Waits until {@code GET /ready} of {@code cp} answers 200; fails when the process exits. */
  void awaitReady(ControlPlane cp, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (status(cp.api() + "/ready", Duration.ofSeconds(1)) != 200) {
      if (!cp.process().isAlive()) {
        throw new CliException(
            cp.name()
                + " exited with "
                + cp.process().exitValue()
                + "; see "
                + dir.resolve(cp.name() + ".log"));
      }
      if (System.nanoTime() > deadline) {
        throw new CliException(
            cp.name()
                + " was not ready after "
                + timeout.toSeconds()
                + "s; see "
                + dir.resolve(cp.name() + ".log"));
      }
      Thread.sleep(100);
    }
  }

  /** The HTTP status of {@code GET url}, or -1 when it does not answer within {@code timeout}. */
  static int status(String url, Duration timeout) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(timeout).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** Stops every started process that still runs, in reverse order. */
  @Override
  public synchronized void close() {
    closed = true;
    for (int i = started.size() - 1; i >= 0; i--) {
      started.get(i).process().destroy();
    }
    for (int i = started.size() - 1; i >= 0; i--) {
      Process p = started.get(i).process();
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    started.clear();
  }
}

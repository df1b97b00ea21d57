package io.meshfed.bench;

import io.meshfed.testing.FreePorts;
import java.io.IOException;
import java.net.URI;
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
 * A global control plane as deployed, for the KDS benchmark: {@code ./meshfed global run --store
 * memory} in its own process, started through the repository's launcher (so with the jar's
 * class-data archive and the control planes' JVM options, as a user gets them), on free loopback
 * ports, its data and log under one directory. {@code MESHFED_JAVA_OPTS} of the benchmark's
 * environment is passed on (e.g. {@code -Xlog:class+load...} to see what it loads). Closing it, or
 * the benchmark's JVM ending, stops it (SIGTERM, then SIGKILL after 30 s).
 */
final class GlobalProcess implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  private final Process process;
  private final Path dir;
  private final int apiPort;
  private final int kdsPort;
  private final Thread stopAtExit;
  private final HttpClient http = HttpClient.newHttpClient();

  private GlobalProcess(Process process, Path dir, int apiPort, int kdsPort) {
    this.process = process;
    this.dir = dir;
    this.apiPort = apiPort;
    this.kdsPort = kdsPort;
    this.stopAtExit = new Thread(this::stopQuietly, "stop-global-process");
    Runtime.getRuntime().addShutdownHook(stopAtExit);
  }

  /**
   * Starts {@code ROOT/meshfed global run} with {@code MESHFED_JAR=ROOT/deploy/target/meshfed.jar}
   * and waits until {@code GET /ready} answers 200 (what a deployment's readiness probe does; no
   * other request reaches it).
   */
  static GlobalProcess start(Path root, Path dir) throws IOException, InterruptedException {
    Path jar = root.resolve("deploy/target/meshfed.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build the deploy module");
    }
    List<Integer> ports = FreePorts.several(3);
    List<String> cmd = new ArrayList<>();
    cmd.add(root.resolve("meshfed").toString());
    cmd.addAll(
        List.of(
            "global",
            "run",
            "--store",
            "memory",
            "--api-port",
            String.valueOf(ports.get(0)),
            "--kds-port",
            String.valueOf(ports.get(1)),
            "--mads-port",
            String.valueOf(ports.get(2)),
            "--data-dir",
            dir.resolve("global").toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    String javaOpts = System.getenv("MESHFED_JAVA_OPTS");
    pb.environment().keySet().removeIf(k -> k.startsWith("MESHFED_"));
    pb.environment().put("MESHFED_JAR", jar.toString());
    if (javaOpts != null && !javaOpts.isBlank()) {
      pb.environment().put("MESHFED_JAVA_OPTS", javaOpts);
    }
    Path log = dir.resolve("global.log");
    Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    GlobalProcess global = new GlobalProcess(p, dir, ports.get(0), ports.get(1));
    try {
      global.awaitReady();
    } catch (IOException | RuntimeException | InterruptedException e) {
      global.close();
      throw e;
    }
    return global;
  }

  String api() {
    return "http://127.0.0.1:" + apiPort;
  }

  int kdsPort() {
    return kdsPort;
  }

  long pid() {
    return process.pid();
  }

  Path log() {
    return dir.resolve("global.log");
  }

  /**
   * The KDS CA certificate global wrote into its data directory, for the zones' {@code ca-file}.
   */
  Path kdsCaFile() {
    return dir.resolve("global").resolve("kds-ca.crt");
  }

  /**
   * A one-hour token for zone {@code zone} from {@code POST /tokens/zone}, as {@code meshfed
   * generate zone-token} asks for it.
   */
  String zoneToken(String zone) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(api() + "/tokens/zone"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"zone\":\"" + zone + "\",\"validFor\":\"1h\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(
          "zone token for " + zone + " from global: " + r.statusCode() + " " + r.body());
    }
    return r.body().strip();
  }

  /** {@code PUT path} of {@code json} on global's API; fails unless it answers 200 or 201. */
  void put(String path, String json) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(api() + path))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200 && r.statusCode() != 201) {
      throw new IllegalStateException("PUT " + path + ": " + r.statusCode() + " " + r.body());
    }
  }

  private void awaitReady() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "global exited " + process.exitValue() + " before it was ready: " + logTail());
      }
      try {
        int status =
            http.send(
                    HttpRequest.newBuilder(URI.create(api() + "/ready")).build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode();
        if (status == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "global not ready in " + READY_TIMEOUT + " at " + api() + ": " + logTail());
      }
      Thread.sleep(50);
    }
  }

  private String logTail() throws IOException {
    List<String> lines = Files.readAllLines(log());
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
  }

  private void stopQuietly() {
    try {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stopQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(stopAtExit);
    } catch (IllegalStateException exiting) {
      // the JVM is already running its hooks, this one among them
    }
  }
}

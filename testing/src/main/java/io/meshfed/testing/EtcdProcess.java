package io.meshfed.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-member etcd server for tests, on two free loopback ports (client and peer) with its
 * own temporary directory. The directory holds the etcd data ({@code etcd/}) and the server's
 * output ({@code etcd.log}). {@link #stop()} or {@link #kill()} it and {@link #start()} it again to
 * restart on the same data and ports; {@link #close()} kills it and deletes the directory.
 *
 * <pre>{@code
 * try (EtcdProcess etcd = EtcdProcess.launch()) {
 *   connect(etcd.clientUrl());
 * }
 * }</pre>
 */
public final class EtcdProcess implements AutoCloseable {
  /** System property naming the etcd binary, when it is neither on the PATH nor in /usr/bin. */
  public static final String BINARY_PROPERTY = "meshfed.etcd.binary";

  private static final Logger log = LoggerFactory.getLogger(EtcdProcess.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
  private static final int PORT_ATTEMPTS = 5;

  private final Path binary;
  private final Path dir;
  private final List<String> extraArgs;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private int clientPort;
  private int peerPort;
  private boolean everStarted;
  private Process process;

  private EtcdProcess(Path binary, Path dir, List<String> extraArgs) {
    this.binary = binary;
    this.dir = dir;
    this.extraArgs = List.copyOf(extraArgs);
  }

  /** Starts a fresh etcd in a new temporary directory; {@code extraArgs} go to etcd as they are. */
  public static EtcdProcess launch(String... extraArgs) {
    Path binary = findBinary();
    Path dir;
    try {
      dir = Files.createTempDirectory("meshfed-etcd-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for etcd", e);
    }
    EtcdProcess etcd = new EtcdProcess(binary, dir, List.of(extraArgs));
    try {
      etcd.start();
    } catch (RuntimeException e) {
      etcd.close();
      throw e;
    }
    return etcd;
  }

  /**
   * The etcd binary: the {@value #BINARY_PROPERTY} system property, else {@code etcd} on the PATH,
   * else {@code /usr/bin/etcd}.
   */
  public static Path findBinary() {
    String configured = System.getProperty(BINARY_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      Path p = Paths.get(configured);
      if (Files.isExecutable(p)) {
        return p;
      }
      throw new IllegalStateException(
          "etcd binary '" + configured + "' (from -D" + BINARY_PROPERTY + ") is not executable");
    }
    Optional<Path> onPath = onPath("etcd");
    if (onPath.isPresent()) {
      return onPath.get();
    }
    Path usrBin = Paths.get("/usr/bin/etcd");
    if (Files.isExecutable(usrBin)) {
      return usrBin;
    }
    throw new IllegalStateException(
        "etcd binary not found: no executable 'etcd' on the PATH ("
            + System.getenv("PATH")
            + ") nor at /usr/bin/etcd. Install the Debian package 'etcd-server'"
            + " (apt-get install etcd-server) or set -D"
            + BINARY_PROPERTY
            + "=/path/to/etcd");
  }

  private static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String entry : path.split(File.pathSeparator)) {
      if (entry.isEmpty()) {
        continue;
      }
      Path candidate = Paths.get(entry, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** {@code http://127.0.0.1:PORT}, the URL clients connect to. */
  public synchronized String clientUrl() {
    return "http://127.0.0.1:" + clientPort;
  }

  public synchronized int clientPort() {
    return clientPort;
  }

  public synchronized int peerPort() {
    return peerPort;
  }

  /** The fixture's directory: etcd data under {@code etcd/}, output in {@code etcd.log}. */
  public Path directory() {
    return dir;
  }

  public Path logFile() {
    return dir.resolve("etcd.log");
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /**
   * Starts etcd and waits until {@code GET /health} answers healthy. The first start picks free
   * ports (and picks again if one was taken meanwhile); later starts reuse the ports and the data.
   */
  public synchronized void start() {
    if (isRunning()) {
      throw new IllegalStateException("etcd at " + clientUrl() + " is already running");
    }
    int attempts = everStarted ? 1 : PORT_ATTEMPTS;
    for (int attempt = 1; ; attempt++) {
      if (!everStarted) {
        List<Integer> ports = FreePorts.several(2);
        clientPort = ports.get(0);
        peerPort = ports.get(1);
      }
      try {
        launchAndAwaitHealthy();
        everStarted = true;
        return;
      } catch (PortTakenException e) {
        if (attempt >= attempts) {
          throw new IllegalStateException(e.getMessage(), e);
        }
        log.info("etcd ports {} or {} were taken, trying others", clientPort, peerPort);
      }
    }
  }

  private void launchAndAwaitHealthy() {
    String client = "http://127.0.0.1:" + clientPort;
    String peer = "http://127.0.0.1:" + peerPort;
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.add("--name=meshfed-test");
    command.add("--data-dir=" + dir.resolve("etcd"));
    command.add("--listen-client-urls=" + client);
    command.add("--advertise-client-urls=" + client);
    command.add("--listen-peer-urls=" + peer);
    command.add("--initial-advertise-peer-urls=" + peer);
    command.add("--initial-cluster=meshfed-test=" + peer);
    command.add("--initial-cluster-state=new");
    command.add("--logger=zap");
    command.add("--log-outputs=stderr");
    command.addAll(extraArgs);
    long logStart = logSize();
    try {
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
    }
    log.info("started etcd pid {} on {} (data and log in {})", process.pid(), client, dir);
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (healthy()) {
        return;
      }
      try {
        if (process.waitFor(100, TimeUnit.MILLISECONDS)) {
          String output = logSince(logStart);
          String message =
              "etcd exited with status "
                  + process.exitValue()
                  + " while starting on "
                  + client
                  + "; its output ("
                  + logFile()
                  + "):\n"
                  + tail(output, 20);
          if (output.contains("address already in use")) {
            throw new PortTakenException(message);
          }
          throw new IllegalStateException(message);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        kill();
        throw new IllegalStateException("interrupted while waiting for etcd to start", e);
      }
    }
    kill();
    throw new IllegalStateException(
        "etcd on "
            + client
            + " did not answer GET /health within "
            + START_TIMEOUT
            + "; its output ("
            + logFile()
            + "):\n"
            + tail(logSince(logStart), 20));
  }

  /** True when {@code GET /health} answers 200 with {@code "health":"true"}. */
  public boolean healthy() {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(clientUrl() + "/health"))
            .timeout(Duration.ofSeconds(1))
            .GET()
            .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 && response.body().contains("\"health\":\"true\"");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Stops etcd with SIGTERM (a clean shutdown) and waits until it exited. */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    awaitExit("SIGTERM");
  }

  /** Stops etcd with SIGKILL (a crash) and waits until it exited. */
  public synchronized void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    awaitExit("SIGKILL");
  }

  private void awaitExit(String signal) {
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("etcd pid {} ignored {} for {}, killing it", process.pid(), signal, STOP_TIMEOUT);
        process.destroyForcibly();
        process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
      log.info("etcd pid {} on {} exited after {}", process.pid(), clientUrl(), signal);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /**
   * Freezes etcd with SIGSTOP, as a hung host or a long GC pause would: its connections stay open
   * and nothing answers. {@link #resume()} (or {@link #kill()}) ends it.
   */
  public synchronized void pause() {
    signal("STOP");
  }

  /** Lets a {@linkplain #pause() paused} etcd run again (SIGCONT). */
  public synchronized void resume() {
    signal("CONT");
  }

  private void signal(String name) {
    if (!isRunning()) {
      throw new IllegalStateException("etcd at " + clientUrl() + " is not running");
    }
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
              .redirectErrorStream(true)
              .start();
      String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!kill.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException(
            "kill -" + name + " " + process.pid() + " failed: " + output.strip());
      }
      log.info("etcd pid {} on {} sent SIG{}", process.pid(), clientUrl(), name);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run kill -" + name, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sending SIG" + name + " to etcd", e);
    }
  }

  /** Kills etcd and deletes its directory. */
  @Override
  public synchronized void close() {
    kill();
    process = null;
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      log.warn("cannot delete etcd directory {}: {}", dir, e.toString());
    }
  }

  @Override
  public String toString() {
    return "etcd " + clientUrl() + " (" + dir + ")";
  }

  private long logSize() {
    try {
      return Files.exists(logFile()) ? Files.size(logFile()) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private String logSince(long offset) {
    try {
      byte[] all = Files.readAllBytes(logFile());
      int from = (int) Math.min(offset, all.length);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(cannot read " + logFile() + ": " + e + ")";
    }
  }

  private static String tail(String text, int lines) {
    String[] all = text.split("\n");
    int from = Math.max(0, all.length - lines);
    return String.join("\n", java.util.Arrays.copyOfRange(all, from, all.length));
  }

  private static final class PortTakenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PortTakenException(String message) {
      super(message);
    }
  }
}

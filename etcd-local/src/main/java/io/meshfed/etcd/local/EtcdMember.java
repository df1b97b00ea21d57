package io.meshfed.etcd.local;

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
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One etcd server process with a fixed name, data directory, log file and loopback ports. It can be
 * started again after {@link #stop()} or {@link #kill()}: same data, same ports. Guarded by its own
 * monitor.
 */
public final class EtcdMember {
  private static final Logger log = LoggerFactory.getLogger(EtcdMember.class);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);

  /** What a member is started with; {@code initialCluster} is etcd's {@code name=peerUrl,...}. */
  public record Spec(
      Path binary,
      String name,
      Path dataDir,
      Path logFile,
      int clientPort,
      int peerPort,
      String initialCluster,
      String clusterToken,
      List<String> extraArgs) {
    public Spec {
      Objects.requireNonNull(binary, "binary");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(dataDir, "dataDir");
      Objects.requireNonNull(logFile, "logFile");
      Objects.requireNonNull(initialCluster, "initialCluster");
      Objects.requireNonNull(clusterToken, "clusterToken");
      extraArgs = List.copyOf(extraArgs);
    }

    public String clientUrl() {
      return "http://127.0.0.1:" + clientPort;
    }

    public String peerUrl() {
      return "http://127.0.0.1:" + peerPort;
    }
  }

  /** Thrown by {@link #awaitHealthy} when etcd exited at start because a port was taken. */
  public static final class PortInUseException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    PortInUseException(String message) {
      super(message);
    }
  }

  private final Spec spec;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private Process process;
  private long logStart;

  public EtcdMember(Spec spec) {
    this.spec = Objects.requireNonNull(spec, "spec");
  }

  public Spec spec() {
    return spec;
  }

  public String name() {
    return spec.name();
  }

  /** {@code http://127.0.0.1:PORT}, the URL clients connect to. */
  public String clientUrl() {
    return spec.clientUrl();
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** The pid of the running (or last) process; -1 before the first start. */
  public synchronized long pid() {
    return process == null ? -1 : process.pid();
  }

  /** Starts etcd and waits until it answers {@code GET /health} healthy. */
  public void start(Duration timeout) {
    launch();
    awaitHealthy(timeout);
  }

  /**
   * Starts the etcd process without waiting: members of a new cluster must all run before any of
   * them is healthy (each waits for a quorum).
   */
  public synchronized void launch() {
    if (isRunning()) {
      throw new IllegalStateException("etcd " + spec.name() + " at " + clientUrl() + " is running");
    }
    List<String> command = new ArrayList<>();
    command.add(spec.binary().toString());
    command.add("--name=" + spec.name());
    command.add("--data-dir=" + spec.dataDir());
    command.add("--listen-client-urls=" + spec.clientUrl());
    command.add("--advertise-client-urls=" + spec.clientUrl());
    command.add("--listen-peer-urls=" + spec.peerUrl());
    command.add("--initial-advertise-peer-urls=" + spec.peerUrl());
    command.add("--initial-cluster=" + spec.initialCluster());
    command.add("--initial-cluster-state=new");
    command.add("--initial-cluster-token=" + spec.clusterToken());
    command.add("--logger=zap");
    command.add("--log-outputs=stderr");
    command.addAll(spec.extraArgs());
    logStart = logSize();
    try {
      Files.createDirectories(spec.logFile().toAbsolutePath().getParent());
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(spec.logFile().toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
    }
    log.info(
        "started etcd {} pid {} on {} (data {}, log {})",
        spec.name(),
        process.pid(),
        clientUrl(),
        spec.dataDir(),
        spec.logFile());
  }

  /**
   * Waits until {@code GET /health} answers healthy; fails with the tail of the log when etcd exits
   * ({@link PortInUseException} when a port was taken) or the timeout passes.
   */
  public void awaitHealthy(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (healthy()) {
        return;
      }
      Process p;
      synchronized (this) {
        p = process;
      }
      if (p == null) {
        throw new IllegalStateException("etcd " + spec.name() + " was never started");
      }
      try {
        if (p.waitFor(100, TimeUnit.MILLISECONDS)) {
          String output = logSinceStart();
          String message =
              "etcd "
                  + spec.name()
                  + " exited with status "
                  + p.exitValue()
                  + " while starting on "
                  + clientUrl()
                  + "; its output ("
                  + spec.logFile()
                  + "):\n"
                  + tail(output, 20);
          if (output.contains("address already in use")) {
            throw new PortInUseException(message);
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
        "etcd "
            + spec.name()
            + " on "
            + clientUrl()
            + " did not answer GET /health within "
            + timeout
            + "; its output ("
            + spec.logFile()
            + "):\n"
            + tail(logSinceStart(), 20));
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

  /**
   * {@code POST /v3/maintenance/status}: this member's view of the cluster, or {@code null} when it
   * does not answer within a second.
   */
  public Status status() {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(clientUrl() + "/v3/maintenance/status"))
            .timeout(Duration.ofSeconds(1))
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        return null;
      }
      return Status.parse(response.body());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** A member's id and the id of the leader it follows ({@code 0} when it knows none). */
  public record Status(String memberId, String leaderId) {
    static Status parse(String json) {
      String member = field(json, "member_id");
      String leader = field(json, "leader");
      if (member == null) {
        return null;
      }
      return new Status(member, leader == null ? "0" : leader);
    }

    private static String field(String json, String name) {
      var m =
          java.util.regex.Pattern.compile("\"" + name + "\"\\s*:\\s*\"?([0-9]+)\"?").matcher(json);
      return m.find() ? m.group(1) : null;
    }

    public boolean knowsLeader() {
      return !"0".equals(leaderId);
    }

    public boolean isLeader() {
      return memberId.equals(leaderId);
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
      log.info(
          "etcd {} pid {} on {} exited after {}", spec.name(), process.pid(), clientUrl(), signal);
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
      throw new IllegalStateException(
          "etcd " + spec.name() + " at " + clientUrl() + " is not running");
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
      log.info("etcd {} pid {} on {} sent SIG{}", spec.name(), process.pid(), clientUrl(), name);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run kill -" + name, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sending SIG" + name + " to etcd", e);
    }
  }

  @Override
  public String toString() {
    return "etcd " + spec.name() + " " + clientUrl() + " (" + spec.dataDir() + ")";
  }

  private long logSize() {
    try {
      return Files.exists(spec.logFile()) ? Files.size(spec.logFile()) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private String logSinceStart() {
    try {
      byte[] all = Files.readAllBytes(spec.logFile());
      int from = (int) Math.min(logStart, all.length);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(cannot read " + spec.logFile() + ": " + e + ")";
    }
  }

  private static String tail(String text, int lines) {
    String[] all = text.split("\n");
    int from = Math.max(0, all.length - lines);
    return String.join("\n", Arrays.copyOfRange(all, from, all.length));
  }
}

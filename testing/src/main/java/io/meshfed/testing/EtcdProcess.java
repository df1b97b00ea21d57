package io.meshfed.testing;

import io.meshfed.etcd.local.EtcdBinary;
import io.meshfed.etcd.local.EtcdMember;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-member etcd server for tests, on two free loopback ports (client and peer) with its
 * own temporary directory. The directory holds the etcd data ({@code etcd/}) and the server's
 * output ({@code etcd.log}). {@link #stop()} or {@link #kill()} it and {@link #start()} it again to
 * restart on the same data and ports; {@link #close()} kills it and deletes the directory. The
 * process itself is an {@link EtcdMember} (module {@code etcd-local}, shared with the demo); for
 * several members see {@link io.meshfed.etcd.local.EtcdCluster}.
 *
 * <pre>{@code
 * try (EtcdProcess etcd = EtcdProcess.launch()) {
 *   connect(etcd.clientUrl());
 * }
 * }</pre>
 */
public final class EtcdProcess implements AutoCloseable {
  /** System property naming the etcd binary, when it is neither on the PATH nor in /usr/bin. */
  public static final String BINARY_PROPERTY = EtcdBinary.PROPERTY;

  private static final Logger log = LoggerFactory.getLogger(EtcdProcess.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final int PORT_ATTEMPTS = 5;
  private static final String NAME = "meshfed-test";

  private final Path binary;
  private final Path dir;
  private final List<String> extraArgs;
  private int clientPort;
  private int peerPort;
  private EtcdMember member;

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
    return EtcdBinary.find();
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
    return member != null && member.isRunning();
  }

  /**
   * Starts etcd and waits until {@code GET /health} answers healthy. The first start picks free
   * ports (and picks again if one was taken meanwhile); later starts reuse the ports and the data.
   */
  public synchronized void start() {
    if (isRunning()) {
      throw new IllegalStateException("etcd at " + clientUrl() + " is already running");
    }
    if (member != null) {
      member.start(START_TIMEOUT);
      return;
    }
    for (int attempt = 1; ; attempt++) {
      List<Integer> ports = FreePorts.several(2);
      clientPort = ports.get(0);
      peerPort = ports.get(1);
      EtcdMember candidate =
          new EtcdMember(
              new EtcdMember.Spec(
                  binary,
                  NAME,
                  dir.resolve("etcd"),
                  logFile(),
                  clientPort,
                  peerPort,
                  NAME + "=http://127.0.0.1:" + peerPort,
                  "etcd-cluster",
                  extraArgs));
      try {
        candidate.start(START_TIMEOUT);
        member = candidate;
        return;
      } catch (EtcdMember.PortInUseException e) {
        if (attempt >= PORT_ATTEMPTS) {
          throw new IllegalStateException(e.getMessage(), e);
        }
        log.info("etcd ports {} or {} were taken, trying others", clientPort, peerPort);
      }
    }
  }

  /** True when {@code GET /health} answers 200 with {@code "health":"true"}. */
  public boolean healthy() {
    EtcdMember m;
    synchronized (this) {
      m = member;
    }
    return m != null && m.healthy();
  }

  /** Stops etcd with SIGTERM (a clean shutdown) and waits until it exited. */
  public synchronized void stop() {
    if (member != null) {
      member.stop();
    }
  }

  /** Stops etcd with SIGKILL (a crash) and waits until it exited. */
  public synchronized void kill() {
    if (member != null) {
      member.kill();
    }
  }

  /**
   * Freezes etcd with SIGSTOP, as a hung host or a long GC pause would: its connections stay open
   * and nothing answers. {@link #resume()} (or {@link #kill()}) ends it.
   */
  public synchronized void pause() {
    running().pause();
  }

  /** Lets a {@linkplain #pause() paused} etcd run again (SIGCONT). */
  public synchronized void resume() {
    running().resume();
  }

  private EtcdMember running() {
    if (!isRunning()) {
      throw new IllegalStateException("etcd at " + clientUrl() + " is not running");
    }
    return member;
  }

  /** Kills etcd and deletes its directory. */
  @Override
  public synchronized void close() {
    kill();
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
}

package io.meshfed.etcd.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real etcd cluster of {@code n} members on loopback ({@code 2n} free ports), each with its own
 * data directory {@code mI/} and log {@code mI.log} under one temporary directory. Tuned for quick
 * failover: heartbeat 100 ms, election timeout 1000 ms. Members are numbered from 0.
 *
 * <pre>{@code
 * try (EtcdCluster etcd = EtcdCluster.launch(3)) {
 *   connect(etcd.clientUrls());
 *   etcd.kill(etcd.leaderIndex().orElseThrow());
 * }
 * }</pre>
 */
public final class EtcdCluster implements AutoCloseable {
  /** etcd's {@code --heartbeat-interval} for the members, in milliseconds. */
  public static final int HEARTBEAT_MS = 100;

  /** etcd's {@code --election-timeout} for the members, in milliseconds. */
  public static final int ELECTION_TIMEOUT_MS = 1000;

  private static final Logger log = LoggerFactory.getLogger(EtcdCluster.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final int PORT_ATTEMPTS = 3;

  private final Path dir;
  private final boolean ownsDir;
  private final List<EtcdMember> members;

  private EtcdCluster(Path dir, boolean ownsDir, List<EtcdMember> members) {
    this.dir = dir;
    this.ownsDir = ownsDir;
    this.members = List.copyOf(members);
  }

  /** Starts {@code size} members on free ports in a new temporary directory. */
  public static EtcdCluster launch(int size, String... extraArgs) {
    Path dir;
    try {
      dir = Files.createTempDirectory("meshfed-etcd-cluster-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for etcd", e);
    }
    try {
      for (int attempt = 1; ; attempt++) {
        List<Integer> ports = freePorts(2 * size);
        EtcdCluster cluster = create(size, dir, false, ports, List.of(extraArgs));
        try {
          cluster.startAll();
          return new EtcdCluster(dir, true, cluster.members);
        } catch (EtcdMember.PortInUseException e) {
          cluster.killAll();
          deleteTree(dir);
          Files.createDirectories(dir);
          if (attempt >= PORT_ATTEMPTS) {
            throw e;
          }
          log.info("an etcd port of {} was taken, trying others", ports);
        }
      }
    } catch (IOException e) {
      deleteTree(dir);
      throw new UncheckedIOException("cannot prepare " + dir, e);
    } catch (RuntimeException e) {
      deleteTree(dir);
      throw e;
    }
  }

  /**
   * Starts {@code size} members in {@code dir} on ports {@code basePort, basePort+1} (member 0's
   * client and peer), {@code basePort+2, basePort+3}, ...; {@link #close()} stops them and keeps
   * the directory.
   */
  public static EtcdCluster launchIn(Path dir, int basePort, int size, String... extraArgs) {
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < 2 * size; i++) {
      ports.add(basePort + i);
    }
    EtcdCluster cluster = create(size, dir, false, ports, List.of(extraArgs));
    try {
      cluster.startAll();
    } catch (RuntimeException e) {
      cluster.killAll();
      throw e;
    }
    return cluster;
  }

  private static EtcdCluster create(
      int size, Path dir, boolean ownsDir, List<Integer> ports, List<String> extraArgs) {
    if (size < 1) {
      throw new IllegalArgumentException("an etcd cluster needs at least 1 member, got " + size);
    }
    Path binary = EtcdBinary.find();
    String initialCluster =
        java.util.stream.IntStream.range(0, size)
            .mapToObj(i -> "m" + (i + 1) + "=http://127.0.0.1:" + ports.get(2 * i + 1))
            .collect(Collectors.joining(","));
    String token = "meshfed-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    List<String> args = new ArrayList<>();
    args.add("--heartbeat-interval=" + HEARTBEAT_MS);
    args.add("--election-timeout=" + ELECTION_TIMEOUT_MS);
    args.addAll(extraArgs);
    List<EtcdMember> members = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      String name = "m" + (i + 1);
      members.add(
          new EtcdMember(
              new EtcdMember.Spec(
                  binary,
                  name,
                  dir.resolve(name),
                  dir.resolve(name + ".log"),
                  ports.get(2 * i),
                  ports.get(2 * i + 1),
                  initialCluster,
                  token,
                  args)));
    }
    return new EtcdCluster(dir, ownsDir, members);
  }

  /** Launches every member, then waits until every one is healthy (a member needs a quorum). */
  private void startAll() {
    for (EtcdMember m : members) {
      m.launch();
    }
    for (EtcdMember m : members) {
      m.awaitHealthy(START_TIMEOUT);
    }
    log.info("etcd cluster of {} healthy at {} (in {})", members.size(), clientUrls(), dir);
  }

  private void killAll() {
    for (EtcdMember m : members) {
      m.kill();
    }
  }

  public int size() {
    return members.size();
  }

  public EtcdMember member(int index) {
    return members.get(index);
  }

  public Path directory() {
    return dir;
  }

  /** Every member's client URL, member 0 first. */
  public List<String> clientUrls() {
    return members.stream().map(EtcdMember::clientUrl).toList();
  }

  /** The client URLs joined with commas, as {@code --etcd-endpoints} takes them. */
  public String endpoints() {
    return String.join(",", clientUrls());
  }

  /**
   * The index of the member that the running members agree is the leader (asked through the
   * maintenance status API); empty while there is none or they disagree (an election runs).
   */
  public OptionalInt leaderIndex() {
    List<EtcdMember.Status> statuses = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (EtcdMember m : members) {
      EtcdMember.Status s = m.isRunning() ? m.status() : null;
      statuses.add(s);
      ids.add(s == null ? null : s.memberId());
    }
    String leader = null;
    for (EtcdMember.Status s : statuses) {
      if (s == null) {
        continue;
      }
      if (!s.knowsLeader()) {
        return OptionalInt.empty();
      }
      if (leader == null) {
        leader = s.leaderId();
      } else if (!leader.equals(s.leaderId())) {
        return OptionalInt.empty();
      }
    }
    int index = leader == null ? -1 : ids.indexOf(leader);
    return index < 0 ? OptionalInt.empty() : OptionalInt.of(index);
  }

  /** Waits at most {@code timeout} for a leader that the running members agree on. */
  public int awaitLeader(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      OptionalInt leader = leaderIndex();
      if (leader.isPresent()) {
        return leader.getAsInt();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "etcd cluster " + clientUrls() + " elected no leader within " + timeout);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for an etcd leader", e);
      }
    }
  }

  /** SIGKILL member {@code index} (a crash); its data stays for {@link #restart}. */
  public void kill(int index) {
    members.get(index).kill();
  }

  /** Stops member {@code index} with SIGTERM. */
  public void stop(int index) {
    members.get(index).stop();
  }

  /** Starts member {@code index} again on its data and ports, and waits until it is healthy. */
  public void restart(int index) {
    EtcdMember m = members.get(index);
    if (m.isRunning()) {
      m.kill();
    }
    m.start(START_TIMEOUT);
  }

  /** SIGSTOP member {@code index}. */
  public void pause(int index) {
    members.get(index).pause();
  }

  /** SIGCONT member {@code index}. */
  public void resume(int index) {
    members.get(index).resume();
  }

  /** Kills every member and, for {@link #launch}, deletes the directory. */
  @Override
  public void close() {
    killAll();
    if (ownsDir) {
      deleteTree(dir);
    }
  }

  @Override
  public String toString() {
    return "etcd cluster " + clientUrls() + " (" + dir + ")";
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      log.warn("cannot delete etcd directory {}: {}", dir, e.toString());
    }
  }

  /** {@code count} distinct ports that were free on 127.0.0.1 a moment ago. */
  static List<Integer> freePorts(int count) {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        ServerSocket s = new ServerSocket();
        sockets.add(s);
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      }
      return sockets.stream().map(ServerSocket::getLocalPort).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find " + count + " free ports on 127.0.0.1", e);
    } finally {
      for (ServerSocket s : sockets) {
        try {
          s.close();
        } catch (IOException ignored) {
          // a listening socket that never accepted loses nothing on close
        }
      }
    }
  }
}

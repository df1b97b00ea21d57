package io.meshfed.testing;

import io.meshfed.etcd.local.EtcdCluster;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real etcd per test class:
 *
 * <pre>{@code
 * @RegisterExtension static final EtcdExtension ETCD = new EtcdExtension();
 * ... ETCD.clientUrl() ...
 * @RegisterExtension static final EtcdExtension ETCD3 = EtcdExtension.members(3);
 * ... ETCD3.endpoints() ... ETCD3.cluster().kill(ETCD3.cluster().awaitLeader(...)) ...
 * }</pre>
 *
 * <p>etcd starts before the first test and is deleted after the last. A test that stops or kills it
 * (or a member) starts it again itself, or calls {@link #ensureRunning()} (e.g. in
 * {@code @AfterEach}).
 */
public final class EtcdExtension implements BeforeAllCallback, AfterAllCallback {
  private final int members;
  private final String[] extraArgs;
  private EtcdProcess etcd;
  private EtcdCluster cluster;

  /**
   * A single member; {@code extraArgs} go to etcd unchanged, e.g. {@code
   * --auto-compaction-retention=1}.
   */
  public EtcdExtension(String... extraArgs) {
    this(1, extraArgs);
  }

  private EtcdExtension(int members, String... extraArgs) {
    this.members = members;
    this.extraArgs = extraArgs.clone();
  }

  /**
   * An {@link EtcdCluster} of {@code count} members (heartbeat 100 ms, election timeout 1 s);
   * {@code members(1)} is the same single member as {@code new EtcdExtension()}.
   */
  public static EtcdExtension members(int count, String... extraArgs) {
    if (count < 1) {
      throw new IllegalArgumentException("etcd needs at least 1 member, got " + count);
    }
    return new EtcdExtension(count, extraArgs);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    if (members == 1) {
      etcd = EtcdProcess.launch(extraArgs);
    } else {
      cluster = EtcdCluster.launch(members, extraArgs);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (etcd != null) {
      etcd.close();
      etcd = null;
    }
    if (cluster != null) {
      cluster.close();
      cluster = null;
    }
  }

  /** The single-member process (running or not); fails outside the test class's lifetime. */
  public EtcdProcess process() {
    if (members != 1) {
      throw new IllegalStateException(
          "this EtcdExtension runs " + members + " members: use cluster() instead of process()");
    }
    if (etcd == null) {
      throw notStarted();
    }
    return etcd;
  }

  /** The cluster of a {@link #members(int, String...)} extension with more than one member. */
  public EtcdCluster cluster() {
    if (members == 1) {
      throw new IllegalStateException(
          "this EtcdExtension runs a single member: use process(), or EtcdExtension.members(3)");
    }
    if (cluster == null) {
      throw notStarted();
    }
    return cluster;
  }

  private static IllegalStateException notStarted() {
    return new IllegalStateException(
        "etcd is not started: register EtcdExtension with @RegisterExtension on a static field");
  }

  /** Starts etcd (or every stopped member) again, same data and ports, when a test left it down. */
  public void ensureRunning() {
    if (members == 1) {
      if (!process().isRunning()) {
        etcd.start();
      }
      return;
    }
    for (int i = 0; i < cluster().size(); i++) {
      if (!cluster.member(i).isRunning()) {
        cluster.restart(i);
      }
    }
  }

  /** The single member's client URL, or the first member's for a cluster. */
  public String clientUrl() {
    return members == 1 ? process().clientUrl() : cluster().clientUrls().get(0);
  }

  /** Every member's client URL. */
  public List<String> clientUrls() {
    return members == 1 ? List.of(process().clientUrl()) : cluster().clientUrls();
  }

  /** The client URLs joined with commas, as {@code --etcd-endpoints} takes them. */
  public String endpoints() {
    return String.join(",", clientUrls());
  }
}

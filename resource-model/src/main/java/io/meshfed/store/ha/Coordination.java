package io.meshfed.store.ha;

/**
 * What replicas of one control plane share besides resources: leader elections and keys bound to
 * each process's liveness. One per process, opened with its store; on etcd it lives under the
 * control plane's prefix ({@code <prefix>/ha/...}) next to the resources ({@code <prefix>/r}). The
 * memory and embedded stores serve one process, so their coordination always elects it and keeps
 * its keys in memory ({@link LocalCoordination}).
 */
public interface Coordination extends AutoCloseable {

  /** This process's id, the value it campaigns and registers with. */
  String instanceId();

  /** The elector of {@code role}; one per role per process, created on first use. */
  LeaderElector elector(String role);

  /** The leased keys of {@code namespace}, e.g. {@code instances} or {@code zone-streams}. */
  LeasedKeys keys(String namespace);

  /** Resigns every role and revokes this process's lease: its leased keys go at once. */
  @Override
  void close();
}

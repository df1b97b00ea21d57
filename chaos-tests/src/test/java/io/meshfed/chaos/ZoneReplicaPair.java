package io.meshfed.chaos;

import io.meshfed.testing.EtcdProcess;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * The set-up the zone replica tests share: a global on etcd with the mTLS default mesh, and two
 * replicas {@code a} and {@code b} of one zone on the zone's own etcd (or on global's 3-member etcd
 * cluster, {@link #startOnEtcdCluster}), with one zone token and one secrets key. {@link #start}
 * starts {@code a} (without waiting for {@code /ready}) and leaves {@code b} unstarted, so each
 * test chooses when it starts. {@link #close} stops the proxies, the federation and the zone's
 * etcd, whatever {@link #start} got to.
 */
final class ZoneReplicaPair implements AutoCloseable {
  final Proxies proxies = new Proxies();
  private Federation federation;
  private EtcdProcess zoneEtcd;
  private Federation.Node a;
  private Federation.Node b;

  /** Starts global and the zone's etcd in parallel, then the zone's replica {@code a}. */
  void start(Path dir, String zone) {
    CompletableFuture<EtcdProcess> zoneStore =
        CompletableFuture.supplyAsync(() -> EtcdProcess.launch());
    try {
      federation = new Federation(dir).withEtcd();
      federation.startGlobal();
    } finally {
      zoneEtcd = zoneStore.join();
    }
    startReplicaA(zone, zoneEtcd.clientUrl());
  }

  /**
   * Like {@link #start}, on one 3-member etcd cluster for global and the zone, as {@code meshfed
   * demo --ha} runs them: global under prefix {@code /meshfed}, the zone's replicas under {@code
   * /meshfed-<zone>}.
   */
  void startOnEtcdCluster(Path dir, String zone) {
    federation = new Federation(dir).withEtcdCluster(3);
    federation.startGlobal();
    startReplicaA(zone, federation.etcdEndpoints());
  }

  private void startReplicaA(String zone, String zoneEtcdEndpoints) {
    federation.apply(federation.global.api, "/meshes/default", MeshYaml.MESH_MTLS_ON);
    Path token = federation.token(zone);
    a = federation.zoneReplica(zone, "a", token, zoneEtcdEndpoints);
    b = federation.zoneReplica(zone, "b", token, zoneEtcdEndpoints);
    federation.startReplica(a, false);
    federation.shareSecretsKey(a, b);
  }

  /** The federation; null before {@link #start} got to start global. */
  Federation federation() {
    return federation;
  }

  /** The replica started by {@link #start}. */
  Federation.Node a() {
    return a;
  }

  /** The replica {@link #start} made but did not start. */
  Federation.Node b() {
    return b;
  }

  @Override
  public void close() throws Exception {
    proxies.close();
    if (federation != null) {
      federation.close();
    }
    if (zoneEtcd != null) {
      zoneEtcd.close();
    }
  }
}

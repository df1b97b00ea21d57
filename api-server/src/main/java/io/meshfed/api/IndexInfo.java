package io.meshfed.api;

import io.meshfed.store.ha.LeaderElector;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What {@code GET /} tells about this control plane: its version, the id of this instance, the zone
 * name and the port its Envoy proxies dial for xDS (zone mode only, null on global), and the
 * federation's stable id ({@code clusterId}: global's, kept in its store; a zone learns it over
 * KDS; the supplier answers null while not known), and, with replicas, the leadership of the
 * instance's main role (null when not told).
 */
public record IndexInfo(
    String version,
    String instanceId,
    String zone,
    Integer xdsPort,
    Supplier<String> clusterId,
    LeaderElector leadership) {
  public IndexInfo {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(instanceId, "instanceId");
    clusterId = clusterId == null ? () -> null : clusterId;
  }

  public static IndexInfo global(String version, String instanceId) {
    return new IndexInfo(version, instanceId, null, null, null, null);
  }

  public static IndexInfo zone(String version, String instanceId, String zone) {
    return new IndexInfo(
        version, instanceId, Objects.requireNonNull(zone, "zone"), null, null, null);
  }

  /** This index, also naming the xDS port. */
  public IndexInfo withXdsPort(int port) {
    return new IndexInfo(version, instanceId, zone, port, clusterId, leadership);
  }

  /** This index, also naming the federation's stable id. */
  public IndexInfo withClusterId(String id) {
    return withClusterId(() -> id);
  }

  /** This index, with the federation's id as {@code id} answers it (null while unknown). */
  public IndexInfo withClusterId(Supplier<String> id) {
    return new IndexInfo(version, instanceId, zone, xdsPort, id, leadership);
  }

  /**
   * This index, also telling whether this instance leads its main role ({@code leader}) and which
   * instance does ({@code leaderInstance}, empty during an election), as {@code elector} knows it.
   */
  public IndexInfo withLeadership(LeaderElector elector) {
    return new IndexInfo(
        version, instanceId, zone, xdsPort, clusterId, Objects.requireNonNull(elector, "elector"));
  }
}

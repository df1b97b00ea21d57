package io.meshfed.api;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * What {@code GET /} tells about this control plane: its version, the id of this instance, the zone
 * name and the port its Envoy proxies dial for xDS (zone mode only; its supplier answers null on
 * global, and on a starting zone whose port is not bound yet), and the federation's stable id
 * ({@code clusterId}: global's, kept in its store; a zone learns it over KDS; the supplier answers
 * null while not known), and which replica leads the process's main role ({@code leader}, {@code
 * leaderInstance}; a process without replicas leads).
 */
public record IndexInfo(
    String version,
    String instanceId,
    String zone,
    Supplier<Integer> xdsPort,
    Supplier<String> clusterId,
    Supplier<Leadership> leadership) {
  public IndexInfo {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(instanceId, "instanceId");
    xdsPort = xdsPort == null ? () -> null : xdsPort;
    clusterId = clusterId == null ? () -> null : clusterId;
    if (leadership == null) {
      String self = instanceId;
      leadership = () -> new Leadership(true, self);
    }
  }

  public IndexInfo(
      String version,
      String instanceId,
      String zone,
      Supplier<Integer> xdsPort,
      Supplier<String> clusterId) {
    this(version, instanceId, zone, xdsPort, clusterId, null);
  }

  /**
   * Who leads this process's main role, as this replica last observed it.
   *
   * @param leader whether this replica leads
   * @param leaderInstance the leading replica's instance id, empty during an election
   */
  public record Leadership(boolean leader, String leaderInstance) {
    public Leadership {
      leaderInstance = leaderInstance == null ? "" : leaderInstance;
    }
  }

  public static IndexInfo global(String version, String instanceId) {
    return new IndexInfo(version, instanceId, null, null, null);
  }

  public static IndexInfo zone(String version, String instanceId, String zone) {
    return new IndexInfo(version, instanceId, Objects.requireNonNull(zone, "zone"), null, null);
  }

  /** This index, also naming the xDS port. */
  public IndexInfo withXdsPort(int port) {
    return withXdsPort(() -> port);
  }

  /** This index, naming the xDS port as {@code port} answers it (null while not known). */
  public IndexInfo withXdsPort(Supplier<Integer> port) {
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

  /** This index, telling who leads as {@code who} answers it. */
  public IndexInfo withLeadership(Supplier<Leadership> who) {
    return new IndexInfo(version, instanceId, zone, xdsPort, clusterId, who);
  }
}

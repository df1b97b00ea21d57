package io.meshfed.api;

import java.util.Objects;

/**
 * What {@code GET /} tells about this control plane: its version, the id of this instance, the zone
 * name and the port its Envoy proxies dial for xDS (zone mode only, null on global), and the
 * federation's stable id ({@code clusterId}, kept in global's store; null when not known).
 */
public record IndexInfo(
    String version, String instanceId, String zone, Integer xdsPort, String clusterId) {
  public IndexInfo {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(instanceId, "instanceId");
  }

  public static IndexInfo global(String version, String instanceId) {
    return new IndexInfo(version, instanceId, null, null, null);
  }

  public static IndexInfo zone(String version, String instanceId, String zone) {
    return new IndexInfo(version, instanceId, Objects.requireNonNull(zone, "zone"), null, null);
  }

  /** This index, also naming the xDS port. */
  public IndexInfo withXdsPort(int port) {
    return new IndexInfo(version, instanceId, zone, port, clusterId);
  }

  /** This index, also naming the federation's stable id. */
  public IndexInfo withClusterId(String id) {
    return new IndexInfo(version, instanceId, zone, xdsPort, id);
  }
}

package io.meshfed.model.spec;

import java.time.Instant;
import java.util.Map;

/**
 * One xDS stream of a data plane proxy or zone proxy to its control plane, as kept in {@code
 * DataplaneInsight} and {@code ZoneIngressInsight}.
 */
public record DiscoverySubscription(
    String id,
    String controlPlaneInstanceId,
    Instant connectTime,
    Instant disconnectTime,
    Status status,
    Version version,
    Long generation) {

  /** True while the stream is open. */
  public boolean connected() {
    return connectTime != null && disconnectTime == null;
  }

  /** {@code status: {lastUpdateTime, total, cds, eds, lds, rds}}. */
  public record Status(
      Instant lastUpdateTime,
      DiscoveryServiceStats total,
      DiscoveryServiceStats cds,
      DiscoveryServiceStats eds,
      DiscoveryServiceStats lds,
      DiscoveryServiceStats rds) {}

  /** {@code version: {kumaDp, envoy, dependencies}}. */
  public record Version(DpVersion kumaDp, EnvoyVersion envoy, Map<String, String> dependencies) {
    public Version {
      dependencies = Copy.tags(dependencies);
    }
  }

  /** The data plane agent's build. */
  public record DpVersion(
      String version,
      String gitTag,
      String gitCommit,
      String buildDate,
      Boolean kumaCpCompatible) {}

  /** The Envoy build. */
  public record EnvoyVersion(String version, String build, Boolean kumaDpCompatible) {}
}

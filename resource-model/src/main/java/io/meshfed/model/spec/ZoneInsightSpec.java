package io.meshfed.model.spec;

import io.meshfed.model.Spec;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * {@code ZoneInsight}: the KDS streams of one zone as seen by global, with per-type counters.
 * Global keeps the newest subscriptions; a zone is online while one of them has no {@code
 * disconnectTime}.
 */
public record ZoneInsightSpec(
    List<KdsSubscription> subscriptions,
    HealthCheck healthCheck,
    EnvoyAdminStreams envoyAdminStreams)
    implements Spec {

  public ZoneInsightSpec {
    subscriptions = Copy.list(subscriptions);
  }

  public boolean online() {
    return subscriptions.stream().anyMatch(s -> s != null && s.connected());
  }

  /**
   * One KDS connection of a zone: {@code {id, globalInstanceId, zoneInstanceId, connectTime,
   * disconnectTime, status, version, generation, config, authTokenProvided}}.
   */
  public record KdsSubscription(
      String id,
      String globalInstanceId,
      String zoneInstanceId,
      Instant connectTime,
      Instant disconnectTime,
      KdsStatus status,
      KdsVersion version,
      Long generation,
      String config,
      Boolean authTokenProvided) {

    public boolean connected() {
      return connectTime != null && disconnectTime == null;
    }
  }

  /**
   * {@code status: {lastUpdateTime, total, stat}}; {@code stat} holds counters per type name, e.g.
   * {@code stat: {TrafficRoute: {responsesSent: 3, ...}}}.
   */
  public record KdsStatus(
      Instant lastUpdateTime,
      DiscoveryServiceStats total,
      Map<String, DiscoveryServiceStats> stat) {
    public KdsStatus {
      stat = stat == null || stat.isEmpty() ? Map.of() : Copy.tagsLike(stat);
    }
  }

  /** {@code version: {kumaCp: {...}}}. */
  public record KdsVersion(CpVersion kumaCp) {}

  /** The zone control plane's build and whether global accepts it. */
  public record CpVersion(
      String version,
      String gitTag,
      String gitCommit,
      String buildDate,
      Boolean kumaCpGlobalCompatible) {}

  /** {@code healthCheck: {time}}: the zone's last health ping. */
  public record HealthCheck(Instant time) {}

  /** Which global instance holds each Envoy admin stream of the zone. */
  public record EnvoyAdminStreams(
      String configDumpGlobalInstanceId,
      String statsGlobalInstanceId,
      String clustersGlobalInstanceId) {}
}

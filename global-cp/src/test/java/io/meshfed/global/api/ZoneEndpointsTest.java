package io.meshfed.global.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DiscoveryServiceStats;
import io.meshfed.model.spec.ZoneInsightSpec;
import io.meshfed.model.spec.ZoneInsightSpec.KdsStatus;
import io.meshfed.model.spec.ZoneInsightSpec.KdsSubscription;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ZoneEndpointsTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static KdsSubscription sub(
      String id, String instance, Instant disconnected, Map<String, DiscoveryServiceStats> stat) {
    return new KdsSubscription(
        id,
        instance,
        "zone-1-cp",
        T0,
        disconnected,
        new KdsStatus(T0, DiscoveryServiceStats.ZERO, stat),
        null,
        null,
        null,
        null);
  }

  @Test
  void lastAcksAreTheNewestAckPerTypeOverTheStoredSubscriptions() {
    DiscoveryServiceStats oldMesh = DiscoveryServiceStats.ZERO.acknowledged("n1", T0, 0.01);
    DiscoveryServiceStats newMesh =
        DiscoveryServiceStats.ZERO.acknowledged("n7", T0.plusSeconds(60), 0.02);
    DiscoveryServiceStats route =
        DiscoveryServiceStats.ZERO.acknowledged("n3", T0.plusSeconds(5), 0.03);
    Resource insight =
        new Resource(
            ResourceKey.global(StandardTypes.ZONE_INSIGHT, "zone-1"),
            Meta.EMPTY,
            new ZoneInsightSpec(
                List.of(
                    sub(
                        "s1",
                        "global-a",
                        T0.plusSeconds(30),
                        Map.of("Mesh", oldMesh, "TrafficRoute", route)),
                    sub(
                        "s2",
                        "global-b",
                        null,
                        Map.of("Mesh", newMesh, "Secret", DiscoveryServiceStats.ZERO))),
                null,
                null));

    Map<String, DiscoveryServiceStats> acks = ZoneEndpoints.lastAcks(insight);

    assertThat(acks).containsOnlyKeys("Mesh", "TrafficRoute");
    assertThat(acks.get("Mesh").lastAckedVersion()).isEqualTo("n7");
    assertThat(acks.get("TrafficRoute").lastAckedVersion()).isEqualTo("n3");
    assertThat(ZoneEndpoints.lastAcks(null)).isEmpty();
  }
}

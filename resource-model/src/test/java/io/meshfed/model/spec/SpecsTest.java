package io.meshfed.model.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpecsTest {
  private final ResourceCodec codec = new ResourceCodec(StandardTypes.registry());

  @Test
  void collectionsAreCopiedAndUnmodifiable() {
    Map<String, String> tags = new HashMap<>(Map.of(Tags.SERVICE, "web"));
    List<DataplaneSpec.Inbound> inbound = new ArrayList<>();
    inbound.add(DataplaneSpec.Inbound.of(80, 8080, tags));
    DataplaneSpec.Networking net =
        new DataplaneSpec.Networking("10.0.0.1", null, inbound, null, null, null, null);

    tags.put("version", "v2");
    inbound.clear();

    assertThat(net.inbound()).hasSize(1);
    assertThat(net.inbound().get(0).tags()).containsOnlyKeys(Tags.SERVICE);
    assertThatThrownBy(() -> net.inbound().add(null))
        .isInstanceOf(UnsupportedOperationException.class);
    Map<String, Object> conf = new HashMap<>(Map.of("caCert", new HashMap<>(Map.of("RSAbits", 1))));
    MeshSpec.Backend b = new MeshSpec.Backend("ca-1", "builtin", null, conf, null, null);
    @SuppressWarnings("unchecked")
    Map<String, Object> nested = (Map<String, Object>) b.conf().get("caCert");
    assertThatThrownBy(() -> nested.put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void meshKnowsItsEnabledBackend() {
    MeshSpec on =
        MeshSpec.ofMtls(
            new MeshSpec.Mtls(
                "ca-1",
                List.of(new MeshSpec.Backend("ca-1", "builtin", null, null, null, null)),
                null));

    assertThat(on.mtlsEnabled()).isTrue();
    assertThat(on.enabledBackend()).get().extracting(MeshSpec.Backend::type).isEqualTo("builtin");
    assertThat(MeshSpec.ofMtls(null).mtlsEnabled()).isFalse();
  }

  @Test
  void inboundReadinessAndOutboundService() {
    Map<String, String> tags = Map.of(Tags.SERVICE, "web");
    assertThat(DataplaneSpec.Inbound.of(80, 80, tags).ready()).isTrue();
    assertThat(
            new DataplaneSpec.Inbound(
                    80, 80, null, null, tags, new DataplaneSpec.Health(false), null, null, null)
                .ready())
        .isFalse();
    assertThat(
            new DataplaneSpec.Inbound(80, 80, null, null, tags, null, null, "NotReady", null)
                .ready())
        .isFalse();
    assertThat(new DataplaneSpec.Outbound(null, 1, null, "redis", null).targetService())
        .isEqualTo("redis");
    assertThat(DataplaneSpec.Outbound.of(1, "db").targetService()).isEqualTo("db");
  }

  @Test
  void zoneIngressIsPublicOnlyWithBothAdvertisedFields() {
    var only = new ZoneIngressSpec.Networking("10.0.0.1", "1.2.3.4", 10001, null, null);
    var both = new ZoneIngressSpec.Networking("10.0.0.1", "1.2.3.4", 10001, 10002, null);

    assertThat(new ZoneIngressSpec(null, only, null).hasPublicAddress()).isFalse();
    assertThat(new ZoneIngressSpec(null, both, null).withZone("zone-1").hasPublicAddress())
        .isTrue();
  }

  @Test
  void secretsDecodeTheirData() {
    assertThat(new SecretSpec("dGVzdAo=").bytes()).containsExactly("test\n".getBytes());
    assertThat(GlobalSecretSpec.of(new byte[] {1, 2}).bytes()).containsExactly(1, 2);
  }

  @Test
  void insightsRoundTripWithTimesAndPerTypeCounters() {
    Instant t0 = Instant.parse("2026-01-02T03:04:05.123456789Z");
    ZoneInsightSpec zi =
        new ZoneInsightSpec(
            List.of(
                new ZoneInsightSpec.KdsSubscription(
                    "sub-1",
                    "global-0",
                    "zone-1-cp",
                    t0,
                    null,
                    new ZoneInsightSpec.KdsStatus(
                        t0,
                        DiscoveryServiceStats.ZERO.plusSent(3).plusAcknowledged(2).plusRejected(1),
                        Map.of("TrafficRoute", DiscoveryServiceStats.ZERO.plusSent(1))),
                    new ZoneInsightSpec.KdsVersion(
                        new ZoneInsightSpec.CpVersion("0.1.0", "v0.1.0", "abc", "today", true)),
                    4L,
                    "{}",
                    true)),
            new ZoneInsightSpec.HealthCheck(t0),
            null);
    Resource r =
        new Resource(
            io.meshfed.model.ResourceKey.global(StandardTypes.ZONE_INSIGHT, "zone-1"), null, zi);
    DataplaneInsightSpec di =
        new DataplaneInsightSpec(
            List.of(new DiscoverySubscription("s", "cp-1", t0, t0.plusSeconds(5), null, null, 1L)),
            new DataplaneInsightSpec.Mtls(t0, t0, 2L, "ca-1", List.of("ca-1")),
            null);
    Resource d =
        new Resource(
            io.meshfed.model.ResourceKey.inMesh(StandardTypes.DATAPLANE_INSIGHT, "default", "dp"),
            null,
            di);

    assertThat(zi.online()).isTrue();
    assertThat(di.online()).isFalse();
    assertThat(codec.toYaml(d)).contains("mTLS:");
    assertThat(codec.decodeYaml(codec.toYaml(List.of(r, d))).accepted()).containsExactly(r, d);
  }
}

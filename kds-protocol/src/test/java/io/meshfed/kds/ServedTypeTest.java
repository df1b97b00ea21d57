package io.meshfed.kds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.meshfed.model.codec.ResourceCodec;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServedTypeTest {
  private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

  private final KdsEnvelope envelope = new KdsEnvelope(new ResourceCodec(TestTypes.registry()));
  private final ServedType served = new ServedType(TestTypes.TP);

  @Test
  void encodingIsDroppedOnceSentAndMadeAgainWhenDueAgain() {
    io.meshfed.model.Resource web = TestTypes.permission("default", "allow-web", "web");
    Resource expected = envelope.encode(web);
    served.subscribe(Map.of());
    served.encode(List.of(web), envelope);

    ServedType.Delta first = served.delta(NOW);
    assertThat(first.upserts()).containsExactly(expected);
    served.sent("1", NOW, Map.of("default/allow-web", expected.getVersion()), List.of());

    assertThat(served.holdsEncoding("default/allow-web")).isFalse();

    // the peer rejects it: it is due again, encoded from its source, byte for byte the same
    served.answered("1");
    served.rejected("default/allow-web", expected.getVersion(), NOW.plusSeconds(1));
    served.compareAll();
    served.encode(List.of(web), envelope);
    assertThat(served.delta(NOW.plusSeconds(2)).upserts()).containsExactly(expected);
  }

  @Test
  void encodingIsDroppedWhenThePeerAlreadyHoldsIt() {
    io.meshfed.model.Resource web = TestTypes.permission("default", "allow-web", "web");
    String version = envelope.encode(web).getVersion();
    served.subscribe(Map.of("default/allow-web", version));
    served.encode(List.of(web), envelope);

    assertThat(served.delta(NOW).isEmpty()).isTrue();
    assertThat(served.holdsEncoding("default/allow-web")).isFalse();
  }

  @Test
  void digestResumeComparesTheServedVersions() {
    io.meshfed.model.Resource web = TestTypes.permission("default", "allow-web", "web");
    String version = envelope.encode(web).getVersion();
    served.subscribeByDigest(ResourceDigest.of(Map.of("default/allow-web", version)));
    served.encode(List.of(web), envelope);

    assertThat(served.resolveDigest()).containsExactly(Map.entry("default/allow-web", version));
    assertThat(served.delta(NOW).isEmpty()).isTrue();
    assertThat(served.servedCount()).isEqualTo(1);
  }
}

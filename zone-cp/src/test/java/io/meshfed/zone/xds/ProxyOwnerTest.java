package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.spec.DataplaneInsightSpec;
import io.meshfed.model.spec.DiscoverySubscription;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProxyOwnerTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Map<String, String> LIVE =
      Map.of(
          "a", "{\"apiUrl\":\"http://a:5681\"}",
          "b", "{\"apiUrl\":\"http://b:5681\"}",
          "c", "{\"apiUrl\":\"\"}");

  static DiscoverySubscription open(String instance) {
    return new DiscoverySubscription("s-" + instance, instance, T0, null, null, null, 1L);
  }

  static DiscoverySubscription closed(String instance) {
    return new DiscoverySubscription(
        "s-" + instance, instance, T0, T0.plusSeconds(1), null, null, 1L);
  }

  static Optional<DataplaneInsightSpec> insight(DiscoverySubscription... subs) {
    return Optional.of(new DataplaneInsightSpec(Arrays.asList(subs), null, Map.of()));
  }

  @Test
  void noInsightOrNoOpenSubscriptionIsNobody() {
    assertThat(ProxyOwner.of(Optional.empty(), "a", LIVE).kind()).isEqualTo(ProxyOwner.Kind.NONE);
    assertThat(ProxyOwner.of(insight(closed("b")), "a", LIVE).kind())
        .isEqualTo(ProxyOwner.Kind.NONE);
  }

  @Test
  void theStreamOnThisReplicaIsLocal() {
    assertThat(ProxyOwner.of(insight(open("a")), "a", LIVE))
        .isEqualTo(new ProxyOwner(ProxyOwner.Kind.LOCAL, "a", null));
  }

  @Test
  void aLiveOtherReplicaIsRemoteWithItsApi() {
    assertThat(ProxyOwner.of(insight(closed("a"), open("b")), "a", LIVE))
        .isEqualTo(new ProxyOwner(ProxyOwner.Kind.REMOTE, "b", "http://b:5681"));
  }

  @Test
  void theNewestOpenSubscriptionWins() {
    assertThat(ProxyOwner.of(insight(open("a"), open("b")), "a", LIVE).instanceId()).isEqualTo("b");
  }

  @Test
  void aReplicaNotRegisteredOrWithoutApiIsGone() {
    assertThat(ProxyOwner.of(insight(open("d")), "a", LIVE))
        .isEqualTo(new ProxyOwner(ProxyOwner.Kind.GONE, "d", null));
    assertThat(ProxyOwner.of(insight(open("c")), "a", LIVE).kind()).isEqualTo(ProxyOwner.Kind.GONE);
  }
}

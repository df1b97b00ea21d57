package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.meshfed.xds.ProxyConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Publishing configs into the snapshot cache: only changes, only consistent ones. */
class SnapshotPublisherTest {
  private static final ProxyId WEB = new ProxyId(ProxyId.Kind.SIDECAR, "default", "web-1");

  private final SimpleCache<String> cache = new SimpleCache<>(node -> node.getId());
  private final SnapshotPublisher publisher = new SnapshotPublisher("zone-1", cache);

  @Test
  void publishesAChangedConfigOnceWithContentVersions() {
    ProxyConfig one = config(cluster("backend", Cluster.DiscoveryType.STATIC));
    assertThat(publisher.publish(WEB, one)).isTrue();
    assertThat(publisher.publish(WEB, one)).isFalse(); // unchanged: not published again
    String version = publisher.snapshot(WEB).orElseThrow().version(XdsTypes.CLUSTER);
    assertThat(version).isEqualTo(SnapshotPublisher.hash(one.clusters()));

    ProxyConfig two = config(cluster("db", Cluster.DiscoveryType.STATIC));
    assertThat(publisher.publish(WEB, two)).isTrue();
    assertThat(publisher.snapshot(WEB).orElseThrow().version(XdsTypes.CLUSTER))
        .isNotEqualTo(version)
        .isEqualTo(SnapshotPublisher.hash(two.clusters()));
  }

  @Test
  void proxiesWithEqualResourcesShareOneInstance() {
    ProxyId api = new ProxyId(ProxyId.Kind.SIDECAR, "default", "api-1");
    publisher.publish(WEB, config(cluster("backend", Cluster.DiscoveryType.STATIC)));
    publisher.publish(api, config(cluster("backend", Cluster.DiscoveryType.STATIC)));
    Object webCluster = publisher.snapshot(WEB).orElseThrow().clusters().resources().get("backend");
    Object apiCluster = publisher.snapshot(api).orElseThrow().clusters().resources().get("backend");
    assertThat(apiCluster).isEqualTo(webCluster).isSameAs(webCluster);
  }

  @Test
  void sharedResourcesForgetWhatIsNoLongerLookedUpAfterTwoGenerations() {
    SharedResources shared = new SharedResources();
    Cluster first = cluster("c-0", Cluster.DiscoveryType.STATIC);
    shared.intern(first);
    int n = 4 * SharedResources.MIN_GENERATION; // two turns: past MIN, then past twice that
    for (int i = 1; i <= n; i++) {
      shared.intern(cluster("c-" + i, Cluster.DiscoveryType.STATIC));
    }
    assertThat(shared.intern(cluster("c-0", Cluster.DiscoveryType.STATIC))).isNotSameAs(first);
    assertThat(shared.size()).isLessThan(n);
  }

  @Test
  void anInconsistentConfigIsNotPublished() {
    // an EDS cluster without its endpoints
    assertThat(publisher.publish(WEB, config(cluster("backend", Cluster.DiscoveryType.EDS))))
        .isFalse();
    assertThat(publisher.snapshot(WEB)).isEmpty();
  }

  @Test
  void aClearedProxyGetsItsConfigAgain() {
    ProxyConfig one = config(cluster("backend", Cluster.DiscoveryType.STATIC));
    publisher.publish(WEB, one);
    assertThat(publisher.clear(WEB)).isTrue(); // nothing watches it
    assertThat(publisher.snapshot(WEB)).isEmpty();
    assertThat(publisher.publish(WEB, one)).isTrue();
  }

  @Test
  void versionsAreStableAndOrderSensitive() {
    Cluster a = cluster("a", Cluster.DiscoveryType.STATIC);
    Cluster b = cluster("b", Cluster.DiscoveryType.STATIC);
    assertThat(SnapshotPublisher.hash(List.of(a, b)))
        .isEqualTo(SnapshotPublisher.hash(List.of(a, b)))
        .isNotEqualTo(SnapshotPublisher.hash(List.of(b, a)))
        .hasSize(16);
  }

  private static ProxyConfig config(Cluster cluster) {
    return new ProxyConfig(List.of(cluster), List.of(), List.of(), List.of(), List.of());
  }

  private static Cluster cluster(String name, Cluster.DiscoveryType type) {
    Cluster.Builder b = Cluster.newBuilder().setName(name).setType(type);
    if (type == Cluster.DiscoveryType.EDS) {
      b.getEdsClusterConfigBuilder()
          .setEdsConfig(
              ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()));
    }
    return b.build();
  }
}

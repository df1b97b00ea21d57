package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.Resources.ResourceType;
import io.envoyproxy.controlplane.cache.SnapshotResources;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.meshfed.xds.ProxyConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Publishing configs into the snapshot cache: only changes, only consistent ones. */
class SnapshotPublisherTest {
  private static final ProxyId WEB = new ProxyId(ProxyId.Kind.SIDECAR, "default", "web-1");

  private final ProxySnapshots cache = new ProxySnapshots();
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
  void proxiesWithEqualResourcesOfATypeShareThatPartOfTheirSnapshots() {
    ProxyId api = new ProxyId(ProxyId.Kind.SIDECAR, "default", "api-1");
    publisher.publish(WEB, config(cluster("backend", Cluster.DiscoveryType.STATIC)));
    publisher.publish(api, config(cluster("backend", Cluster.DiscoveryType.STATIC)));
    Snapshot web = publisher.snapshot(WEB).orElseThrow();
    Snapshot other = publisher.snapshot(api).orElseThrow();

    assertThat(other.clusters()).isSameAs(web.clusters());
    assertThat(other.listeners()).isSameAs(web.listeners());
    ProxyId db = new ProxyId(ProxyId.Kind.SIDECAR, "default", "db-1");
    publisher.publish(db, config(cluster("db", Cluster.DiscoveryType.STATIC)));
    Snapshot third = publisher.snapshot(db).orElseThrow();
    assertThat(third.clusters()).isNotSameAs(web.clusters());
    assertThat(third.listeners()).isSameAs(web.listeners()); // both empty
  }

  @Test
  void aSnapshotReadsAsJavaControlPlanesOwnFromTheSameResources() {
    Cluster backend = cluster("backend", Cluster.DiscoveryType.EDS);
    ClusterLoadAssignment endpoints =
        ClusterLoadAssignment.newBuilder().setClusterName("backend").build();
    ProxyConfig config =
        new ProxyConfig(List.of(backend), List.of(endpoints), List.of(), List.of(), List.of());
    publisher.publish(WEB, config);
    Snapshot published = publisher.snapshot(WEB).orElseThrow();
    Snapshot expected =
        Snapshot.create(
            config.clusters(),
            SnapshotPublisher.hash(config.clusters()),
            config.endpoints(),
            SnapshotPublisher.hash(config.endpoints()),
            List.of(),
            SnapshotPublisher.hash(List.of()),
            List.of(),
            SnapshotPublisher.hash(List.of()),
            List.of(),
            SnapshotPublisher.hash(List.of()));

    for (ResourceType type : ResourceType.values()) {
      assertThat(published.resources(type)).as("%s", type).isEqualTo(expected.resources(type));
      assertThat(published.versionedResources(type).keySet())
          .isEqualTo(expected.versionedResources(type).keySet());
      assertThat(published.version(type)).isEqualTo(expected.version(type));
    }
    assertThat(published.version(XdsTypes.ENDPOINT, List.of("backend")))
        .isEqualTo(expected.version(XdsTypes.ENDPOINT, List.of("backend")));
  }

  @Test
  void aPartIsSharedOnlyForTheVeryResourcesItHolds() {
    SharedResources shared = new SharedResources();
    List<Cluster> one = shared.intern(List.of(cluster("a", Cluster.DiscoveryType.STATIC)));
    List<Cluster> other = shared.intern(List.of(cluster("b", Cluster.DiscoveryType.STATIC)));

    SnapshotResources<Cluster> first = shared.part(XdsTypes.CLUSTER, one, "v1");
    assertThat(shared.part(XdsTypes.CLUSTER, List.copyOf(one), "v1")).isSameAs(first);
    // the same version for other resources (a hash collision) gets a part of its own
    SnapshotResources<Cluster> collided = shared.part(XdsTypes.CLUSTER, other, "v1");
    assertThat(collided).isNotSameAs(first);
    assertThat(collided.resources()).containsOnlyKeys("b");
    assertThat(collided.version()).isEqualTo("v1");
    // each resource has one versioned wrapper, its version from its digest
    assertThat(shared.part(XdsTypes.CLUSTER, one, "v2").versionedResources().get("a"))
        .isSameAs(first.versionedResources().get("a"));
    assertThat(first.versionedResources().get("a").version()).hasSize(16);
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
  void aListenerIsPublishedOnlyWithExactlyTheRoutesItRefersTo() {
    Listener listener = rdsListener("outbound:backend", "backend");
    RouteConfiguration backend = RouteConfiguration.newBuilder().setName("backend").build();
    RouteConfiguration other = RouteConfiguration.newBuilder().setName("other").build();

    assertThat(publisher.publish(WEB, listenerConfig(listener, List.of()))).isFalse();
    assertThat(publisher.publish(WEB, listenerConfig(listener, List.of(backend, other))))
        .isFalse(); // a route nothing refers to: java-control-plane refuses it too
    assertThat(publisher.snapshot(WEB)).isEmpty();
    assertThat(publisher.publish(WEB, listenerConfig(listener, List.of(backend)))).isTrue();
  }

  @Test
  void theReferencesOfAResourceSharedByProxiesAreReadOnce() {
    List<Message> read = new ArrayList<>();
    SnapshotPublisher counting =
        new SnapshotPublisher(
            "zone-1",
            cache,
            new SharedResources(
                resource -> {
                  read.add(resource);
                  return SharedResources.readReferences(resource);
                }));
    for (String name : List.of("web-1", "web-2", "web-3")) {
      ProxyId proxy = new ProxyId(ProxyId.Kind.SIDECAR, "default", name);
      // built anew for each proxy, equal: one shared instance, read once
      assertThat(
              counting.publish(
                  proxy,
                  listenerConfig(
                      rdsListener("outbound:backend", "backend"),
                      List.of(RouteConfiguration.newBuilder().setName("backend").build()))))
          .isTrue();
    }
    assertThat(read).hasSize(1).allMatch(Listener.class::isInstance);
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

  private static ProxyConfig listenerConfig(Listener listener, List<RouteConfiguration> routes) {
    return new ProxyConfig(List.of(), List.of(), List.of(listener), routes, List.of());
  }

  /** A listener whose HTTP connection manager takes its routes by RDS. */
  private static Listener rdsListener(String name, String route) {
    HttpConnectionManager hcm =
        HttpConnectionManager.newBuilder()
            .setRds(
                Rds.newBuilder()
                    .setRouteConfigName(route)
                    .setConfigSource(
                        ConfigSource.newBuilder()
                            .setAds(AggregatedConfigSource.getDefaultInstance())))
            .build();
    return Listener.newBuilder()
        .setName(name)
        .addFilterChains(
            FilterChain.newBuilder()
                .addFilters(
                    Filter.newBuilder()
                        .setName("envoy.http_connection_manager")
                        .setTypedConfig(Any.pack(hcm))))
        .build();
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

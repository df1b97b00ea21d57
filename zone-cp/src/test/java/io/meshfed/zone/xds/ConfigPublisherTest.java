package io.meshfed.zone.xds;

import static io.meshfed.zone.xds.XdsUnitFixtures.dataplane;
import static io.meshfed.zone.xds.XdsUnitFixtures.yaml;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.meshfed.kds.InMemoryKdsSource;
import io.meshfed.model.Resource;
import io.meshfed.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The build pass, with builds run inline (a direct executor) over an in-memory view. */
class ConfigPublisherTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final ProxyId WEB = new ProxyId(ProxyId.Kind.SIDECAR, "default", "web-1");
  private static final NodeMetadata NO_METADATA = NodeMetadata.of(Node.getDefaultInstance());

  private final InMemoryKdsSource view = new InMemoryKdsSource(ZoneViewReader.WATCHED, false);
  private final ProxySnapshots cache = new ProxySnapshots();
  private final ManualClock clock = new ManualClock(T0);
  private final XdsUnitFixtures.ManualScheduler scheduler = new XdsUnitFixtures.ManualScheduler();
  private final XdsUnitFixtures.ControlledCa ca = new XdsUnitFixtures.ControlledCa();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final ConfigPublisher publisher =
      new ConfigPublisher(
          "zone-1",
          new ZoneViewReader("zone-1", view),
          new SnapshotPublisher("zone-1", cache),
          new ClusterDrain(clock, ClusterDrain.DEFAULT_HOLD),
          rebuild -> new WorkloadIdentities("zone-1", ca, null, clock, scheduler, rebuild, meters),
          Runnable::run,
          Runnable::run,
          scheduler,
          meters);
  private final Resource web = dataplane("web-1", "web", 20001);

  @AfterEach
  void stop() {
    publisher.close();
    scheduler.shutdownNow();
  }

  @Test
  void aConnectedProxyIsBuiltOnceTheViewIsLoadedAndRebuiltWhenItChanges() {
    view.subscribe(publisher::viewChanged);
    view.put(yaml(XdsUnitFixtures.PLAIN_MESH), web);
    publisher.proxyConnected(WEB, NO_METADATA);
    assertThat(publisher.hasSnapshot(WEB)).isFalse(); // not loaded yet: nothing half-built

    view.setReady(true);
    Snapshot first = publisher.publishedSnapshot(WEB).orElseThrow();
    assertThat(first.listeners().resources()).isNotEmpty();

    view.remove(web.key()); // its Dataplane is deleted: it gets an empty config
    Snapshot emptied = publisher.publishedSnapshot(WEB).orElseThrow();
    assertThat(emptied.listeners().resources()).isEmpty();
  }

  @Test
  void aProxyConnectingWhileTheViewIsRelistedIsBuiltOnceItIsLoadedAgainEvenWithNothingChanged() {
    ProxyId other = new ProxyId(ProxyId.Kind.SIDECAR, "default", "other-1");
    view.subscribe(publisher::viewChanged);
    view.put(yaml(XdsUnitFixtures.PLAIN_MESH), web, dataplane("other-1", "other", 20002));
    view.setReady(true);
    publisher.proxyConnected(other, NO_METADATA);
    assertThat(publisher.hasSnapshot(other)).isTrue();

    view.setReady(false); // the store watch stopped: the view is relisted
    publisher.proxyConnected(WEB, NO_METADATA);
    assertThat(publisher.hasSnapshot(WEB)).isFalse();

    view.setReady(true); // loaded again, with the same resources
    assertThat(publisher.publishedSnapshot(WEB).orElseThrow().listeners().resources()).isNotEmpty();
  }

  @Test
  void clustersANewConfigDropsStayUntilTheHoldIsOverThenARebuildRemovesThem() {
    view.subscribe(publisher::viewChanged);
    view.put(yaml(XdsUnitFixtures.PLAIN_MESH), web);
    view.setReady(true);
    publisher.proxyConnected(WEB, NO_METADATA);
    List<String> clusters = clusterNames(publisher.publishedSnapshot(WEB).orElseThrow());
    assertThat(clusters).isNotEmpty();

    view.remove(web.key()); // its listeners go at once; its clusters only after the hold
    Snapshot emptied = publisher.publishedSnapshot(WEB).orElseThrow();
    assertThat(emptied.listeners().resources()).isEmpty();
    assertThat(clusterNames(emptied)).isEqualTo(clusters);

    scheduler.runScheduled(); // the rebuild comes too early: the clock has not moved
    assertThat(clusterNames(publisher.publishedSnapshot(WEB).orElseThrow())).isEqualTo(clusters);

    clock.advance(ClusterDrain.DEFAULT_HOLD);
    scheduler.runScheduled();
    assertThat(clusterNames(publisher.publishedSnapshot(WEB).orElseThrow())).isEmpty();
  }

  private static List<String> clusterNames(Snapshot snapshot) {
    return snapshot.clusters().resources().keySet().stream().sorted().toList();
  }

  @Test
  void anMtlsProxyIsPublishedOnlyWithItsCertificate() {
    view.put(yaml(XdsUnitFixtures.MTLS_MESH), web);
    view.setReady(true);
    publisher.proxyConnected(WEB, NO_METADATA);
    assertThat(publisher.hasSnapshot(WEB)).isFalse();
    assertThat(ca.requests).hasSize(1);

    ca.completeLast(T0.plus(Duration.ofHours(1))); // issued: the proxy is built again
    Snapshot snapshot = publisher.publishedSnapshot(WEB).orElseThrow();
    assertThat(snapshot.secrets().resources()).isNotEmpty();
  }

  @Test
  void aDisconnectedProxyLosesItsSnapshotAndAReturningOneIsBuiltAgain() {
    view.put(yaml(XdsUnitFixtures.PLAIN_MESH), web);
    view.setReady(true);
    publisher.proxyConnected(WEB, NO_METADATA);
    assertThat(publisher.hasSnapshot(WEB)).isTrue();

    publisher.proxyDisconnected(WEB);
    assertThat(publisher.isConnected(WEB)).isFalse();
    assertThat(publisher.hasSnapshot(WEB)).isFalse();
    assertThat(publisher.publishedSnapshot(WEB)).isEmpty();

    publisher.proxyConnected(WEB, NO_METADATA);
    assertThat(publisher.hasSnapshot(WEB)).isTrue();
  }

  @Test
  void aChangeRebuildsOnlyTheProxiesItAffects() {
    ProxyId other = new ProxyId(ProxyId.Kind.SIDECAR, "default", "other-1");
    view.subscribe(publisher::viewChanged);
    view.put(yaml(XdsUnitFixtures.PLAIN_MESH), web, dataplane("other-1", "other", 20002));
    view.setReady(true);
    publisher.proxyConnected(WEB, NO_METADATA);
    publisher.proxyConnected(other, NO_METADATA);
    assertThat(builds()).isEqualTo(2);

    view.put(dataplane("web-2", "web", 20003)); // web's own service changed: web-1 only
    assertThat(builds()).isEqualTo(3);
    view.put(dataplane("web-2", "web", 20003)); // the same again: nothing
    assertThat(builds()).isEqualTo(3);
    view.put(
        yaml(
            """
            type: TrafficPermission
            mesh: default
            name: to-other
            sources: [{match: {kuma.io/service: '*'}}]
            destinations: [{match: {kuma.io/service: other}}]
            """));
    assertThat(builds()).isEqualTo(4);
    assertThat(publisher.publishedSnapshot(other).orElseThrow().listeners().resources())
        .isNotEmpty();
  }

  @Test
  void withNoProxyConnectedAChangeReadsNothingAndAProxyConnectingLaterGetsTheCurrentView() {
    view.subscribe(publisher::viewChanged);
    view.put(yaml(XdsUnitFixtures.PLAIN_MESH));
    view.setReady(true);
    long listed = view.fullReads();

    view.put(web); // nobody to build for: nothing is listed
    view.put(dataplane("other-1", "other", 20002));
    assertThat(view.fullReads()).isEqualTo(listed);

    publisher.proxyConnected(WEB, NO_METADATA); // built from the view with its Dataplane
    assertThat(publisher.publishedSnapshot(WEB).orElseThrow().listeners().resources()).isNotEmpty();
  }

  @Test
  void aDataplaneDeletedWhileItsProxyIsAwayEndsItsCertificate() {
    view.subscribe(publisher::viewChanged);
    view.put(yaml(XdsUnitFixtures.MTLS_MESH), web);
    view.setReady(true);
    publisher.proxyConnected(WEB, NO_METADATA);
    ca.completeLast(T0.plus(Duration.ofHours(1)));
    publisher.proxyDisconnected(WEB);

    view.remove(web.key()); // deleted and created again while no proxy is connected
    view.put(web);
    publisher.proxyConnected(WEB, NO_METADATA);

    assertThat(ca.requests).hasSize(2); // a new Dataplane: a new certificate, not the old one
  }

  private double builds() {
    return meters.get("xds_proxy_configs_built_total").counter().count();
  }

  @Test
  void theInspectApiReadsTheMeshStateOfTheLastView() throws Exception {
    assertThat(publisher.meshState("default"))
        .failsWithin(Duration.ofSeconds(1))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withCauseInstanceOf(IllegalStateException.class);
    view.put(yaml(XdsUnitFixtures.PLAIN_MESH), web);
    view.setReady(true);
    assertThat(publisher.meshState("default").get().orElseThrow().dataplanes())
        .isEqualTo(List.of(web));
    assertThat(publisher.meshState("missing").get()).isEmpty();
  }
}

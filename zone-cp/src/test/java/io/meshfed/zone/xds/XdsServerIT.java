package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.DataplaneInsightSpec;
import io.meshfed.model.spec.DiscoverySubscription;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.SimulatedEnvoy;
import io.meshfed.xds.Identity;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The zone's xDS server over real gRPC, with simulated Envoys: config follows store changes, ACKs
 * and NACKs are recorded in DataplaneInsight and metrics, a NACKed config is not resent, and a
 * closed stream marks the dataplane offline.
 */
class XdsServerIT {
  /**
   * Long enough for the first gRPC connect of a loaded 2-core machine (7-13 s seen); only a failure
   * waits it out.
   */
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final ResourceCodec codec = new ResourceCodec(StandardTypes.registry());
  private final MemoryResourceStore store = new MemoryResourceStore();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
  private XdsServer server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    put("type: Mesh\nname: default\n");
    put(
        """
        type: Dataplane
        mesh: default
        name: backend-1
        networking:
          address: 127.0.0.1
          inbound:
          - port: 20001
            servicePort: 8081
            tags: {kuma.io/service: backend, kuma.io/zone: zone-1}
        """);
    put(
        """
        type: Dataplane
        mesh: default
        name: web-1
        networking:
          address: 127.0.0.1
          inbound:
          - port: 20002
            servicePort: 8082
            tags: {kuma.io/service: web, kuma.io/zone: zone-1}
          outbound:
          - port: 30001
            tags: {kuma.io/service: backend}
        """);
    // Issues placeholder PEMs: simulated Envoys do not check them; the real CA has its own tests.
    XdsServer.CertificateAuthority placeholderCa =
        new XdsServer.CertificateAuthority() {
          @Override
          public CompletableFuture<Identity> issue(
              String mesh,
              io.meshfed.model.spec.MeshSpec spec,
              Map<String, java.util.Set<String>> tags) {
            return CompletableFuture.completedFuture(
                new Identity(
                    "leaf-and-intermediate",
                    "key",
                    "mesh-root",
                    Instant.now().plus(Duration.ofHours(1))));
          }

          @Override
          public Instant rotateAt(Identity identity) {
            return identity.notAfter().minus(Duration.ofMinutes(30));
          }
        };
    server =
        new XdsServer(
                "zone-1",
                "zone-1-test",
                store,
                placeholderCa,
                Clock.systemUTC(),
                scheduler,
                meters,
                Duration.ofMillis(100))
            .start("127.0.0.1", 0);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
    scheduler.shutdownNow();
  }

  private Resource put(String yaml) throws Exception {
    Resource r = codec.decodeOne(yaml);
    Optional<Resource> old = store.get(r.key()).get();
    if (old.isPresent()) {
      return store.update(r.withMeta(old.get().meta()), old.get().version()).get();
    }
    return store.create(r).get();
  }

  private Optional<DataplaneInsightSpec> insight(String name) throws Exception {
    return store
        .get(ResourceKey.inMesh(StandardTypes.DATAPLANE_INSIGHT, "default", name))
        .get()
        .map(r -> r.spec(DataplaneInsightSpec.class));
  }

  private double count(String name, String... tags) {
    return meters.find(name).tags(tags).counters().stream().mapToDouble(c -> c.count()).sum();
  }

  @Test
  void xdsServerCountsGrpcCallsGenerationsAndStreamsUnderKumasNames() throws Exception {
    String[] ads = {
      "grpc_service",
      "envoy.service.discovery.v3.AggregatedDiscoveryService",
      "grpc_method",
      "StreamAggregatedResources",
      "grpc_type",
      "bidi_stream"
    };
    try (SimulatedEnvoy web =
        SimulatedEnvoy.connect(channel, "default.web-1", Map.of(), (t, v) -> {})) {
      await().atMost(WAIT).until(() -> web.ackedVersions().containsKey(SimulatedEnvoy.LISTENER));
      assertThat(count("grpc_server_started", ads)).isEqualTo(1);
      assertThat(count("grpc_server_msg_received", ads)).isGreaterThanOrEqualTo(2);
      assertThat(count("grpc_server_msg_sent", ads)).isGreaterThanOrEqualTo(1);
      assertThat(meters.get("xds_streams_active").gauge().value()).isEqualTo(1);
      assertThat(
              meters
                  .get("xds_generation")
                  .tag("proxy_type", "dataplane")
                  .tag("result", "changed")
                  .summary()
                  .count())
          .isGreaterThanOrEqualTo(1);
    }
    await().atMost(WAIT).until(() -> count("grpc_server_handled", ads) == 1);
    assertThat(meters.get("xds_streams_active").gauge().value()).isZero();
  }

  @Test
  void proxyGetsItsConfigAndFollowsChangesAndInsightRecordsAcks() throws Exception {
    try (SimulatedEnvoy web =
        SimulatedEnvoy.connect(channel, "default.web-1", Map.of(), (t, v) -> {})) {
      await()
          .atMost(WAIT)
          .until(
              () ->
                  web.ackedVersions()
                      .keySet()
                      .containsAll(
                          java.util.List.of(
                              SimulatedEnvoy.CLUSTER,
                              SimulatedEnvoy.LISTENER,
                              SimulatedEnvoy.ENDPOINT)));
      String clusters = web.ackedVersions().get(SimulatedEnvoy.CLUSTER);
      String endpoints = web.ackedVersions().get(SimulatedEnvoy.ENDPOINT);

      // a second backend instance changes web's endpoints only
      put(
          """
          type: Dataplane
          mesh: default
          name: backend-2
          networking:
            address: 127.0.0.1
            inbound:
            - port: 20003
              servicePort: 8083
              tags: {kuma.io/service: backend, kuma.io/zone: zone-1}
          """);
      await()
          .atMost(WAIT)
          .until(() -> !endpoints.equals(web.ackedVersions().get(SimulatedEnvoy.ENDPOINT)));
      assertThat(web.ackedVersions().get(SimulatedEnvoy.CLUSTER)).isEqualTo(clusters);

      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                DataplaneInsightSpec insight = insight("web-1").orElseThrow();
                assertThat(insight.online()).isTrue();
                DiscoverySubscription s = insight.subscriptions().get(0);
                assertThat(s.controlPlaneInstanceId()).isEqualTo("zone-1-test");
                assertThat(s.status().eds().lastAckedVersion())
                    .isEqualTo(web.ackedVersions().get(SimulatedEnvoy.ENDPOINT));
                assertThat(s.status().cds().lastAckedVersion()).isEqualTo(clusters);
              });
    }
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(insight("web-1").orElseThrow().online()).isFalse());
  }

  @Test
  void aConnectionPolicyInTheStoreChangesTheProxysClustersOnly() throws Exception {
    try (SimulatedEnvoy web =
        SimulatedEnvoy.connect(channel, "default.web-1", Map.of(), (t, v) -> {})) {
      await()
          .atMost(WAIT)
          .until(
              () ->
                  web.ackedVersions()
                      .keySet()
                      .containsAll(
                          java.util.List.of(
                              SimulatedEnvoy.CLUSTER,
                              SimulatedEnvoy.LISTENER,
                              SimulatedEnvoy.ENDPOINT)));
      String clusters = web.ackedVersions().get(SimulatedEnvoy.CLUSTER);
      String endpoints = web.ackedVersions().get(SimulatedEnvoy.ENDPOINT);

      put(
          """
          type: Timeout
          mesh: default
          name: web-to-backend
          sources: [{match: {kuma.io/service: web}}]
          destinations: [{match: {kuma.io/service: backend}}]
          conf: {connectTimeout: 1500ms}
          """);

      await()
          .atMost(WAIT)
          .until(() -> !clusters.equals(web.ackedVersions().get(SimulatedEnvoy.CLUSTER)));
      assertThat(web.ackedVersions().get(SimulatedEnvoy.ENDPOINT)).isEqualTo(endpoints);
    }
  }

  @Test
  void nackIsCountedAndTheRejectedConfigIsNotResent() throws Exception {
    try (SimulatedEnvoy web =
        SimulatedEnvoy.connect(channel, "default.web-1", Map.of(), (t, v) -> {})) {
      await().atMost(WAIT).until(() -> web.ackedVersions().containsKey(SimulatedEnvoy.LISTENER));
      String listeners = web.ackedVersions().get(SimulatedEnvoy.LISTENER);
      web.rejectNext(SimulatedEnvoy.LISTENER, "listener outbound:127.0.0.1:30002: bad config");
      // a new outbound changes web's listeners
      put(
          """
          type: Dataplane
          mesh: default
          name: web-1
          networking:
            address: 127.0.0.1
            inbound:
            - port: 20002
              servicePort: 8082
              tags: {kuma.io/service: web, kuma.io/zone: zone-1}
            outbound:
            - port: 30001
              tags: {kuma.io/service: backend}
            - port: 30002
              tags: {kuma.io/service: web}
          """);
      await().atMost(WAIT).until(() -> web.rejected() == 1);
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(meters.counter("xds_nacks_total", "type", "lds").count())
                      .isEqualTo(1.0));
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(
                          insight("web-1")
                              .orElseThrow()
                              .subscriptions()
                              .get(0)
                              .status()
                              .lds()
                              .responsesRejected())
                      .isEqualTo(1L));
      int responses = web.responses();
      // nothing changed since: the rejected listeners are not pushed again, the old ones stay
      assertThat(web.ackedVersions().get(SimulatedEnvoy.LISTENER)).isEqualTo(listeners);
      await()
          .during(Duration.ofMillis(500))
          .atMost(Duration.ofSeconds(2))
          .until(() -> web.responses() == responses);
    }
  }

  @Test
  void connectingProxyIsBuiltAloneAndOthersAreNotRebuilt() throws Exception {
    try (SimulatedEnvoy web =
        SimulatedEnvoy.connect(channel, "default.web-1", Map.of(), (t, v) -> {})) {
      await().atMost(WAIT).until(() -> web.ackedVersions().containsKey(SimulatedEnvoy.ENDPOINT));
      double builds = awaitQuietBuilds();
      int webResponses = web.responses();

      try (SimulatedEnvoy backend =
          SimulatedEnvoy.connect(channel, "default.backend-1", Map.of(), (t, v) -> {})) {
        await()
            .atMost(WAIT)
            .until(() -> backend.ackedVersions().containsKey(SimulatedEnvoy.LISTENER));
        // backend-1's config was built; web-1's was neither rebuilt nor sent again
        assertThat(awaitQuietBuilds()).isEqualTo(builds + 1);
        assertThat(web.responses()).isEqualTo(webResponses);
      }
    }
  }

  @Test
  void snapshotOfDisconnectedProxyIsRemovedFromTheCache() {
    ProxyId web1 = new ProxyId(ProxyId.Kind.SIDECAR, "default", "web-1");
    SimulatedEnvoy web = SimulatedEnvoy.connect(channel, "default.web-1", Map.of(), (t, v) -> {});
    await().atMost(WAIT).until(() -> web.ackedVersions().containsKey(SimulatedEnvoy.LISTENER));
    assertThat(server.hasSnapshot(web1)).isTrue();

    web.close();
    await().atMost(WAIT).until(() -> !server.hasSnapshot(web1));
  }

  /** The count of proxy configs built, once it has not moved for 500 ms. */
  private double awaitQuietBuilds() {
    double[] last = {-1};
    await()
        .pollInterval(Duration.ofMillis(100))
        .atMost(WAIT)
        .until(
            () -> {
              double now = meters.counter("xds_proxy_configs_built_total").count();
              boolean same = now == last[0];
              last[0] = now;
              return same;
            });
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(2))
        .until(() -> meters.counter("xds_proxy_configs_built_total").count() == last[0]);
    return last[0];
  }

  @Test
  void certificateIsKeptAcrossReconnectsAndForgottenWithItsDataplane() throws Exception {
    put(
        """
        type: Mesh
        name: default
        mtls: {enabledBackend: ca-1, backends: [{name: ca-1, type: builtin}]}
        """);
    ProxyId web1 = new ProxyId(ProxyId.Kind.SIDECAR, "default", "web-1");
    try (SimulatedEnvoy web =
        SimulatedEnvoy.connect(channel, "default.web-1", Map.of(), (t, v) -> {})) {
      await()
          .atMost(WAIT)
          .until(
              () ->
                  Long.valueOf(0).equals(regenerations("web-1"))
                      && web.ackedVersions().containsKey(SimulatedEnvoy.LISTENER)
                      && server.hasSnapshot(web1));
    }
    // the stream closed and its snapshot was removed; the Dataplane is still there
    await().atMost(WAIT).until(() -> !server.hasSnapshot(web1));
    assertThat(meters.get("xds_workload_identities").gauge().value()).isEqualTo(1.0);

    try (SimulatedEnvoy again =
        SimulatedEnvoy.connect(channel, "default.web-1", Map.of(), (t, v) -> {})) {
      await().atMost(WAIT).until(() -> again.ackedVersions().containsKey(SimulatedEnvoy.LISTENER));
      // it came back with the certificate it had: not regenerated
      await()
          .during(Duration.ofMillis(1500))
          .atMost(Duration.ofSeconds(3))
          .until(() -> Long.valueOf(0).equals(regenerations("web-1")));
    }

    store.delete(ResourceKey.inMesh(StandardTypes.DATAPLANE, "default", "web-1"), 0).get();
    await().atMost(WAIT).until(() -> meters.get("xds_workload_identities").gauge().value() == 0.0);
  }

  private Long regenerations(String dataplane) throws Exception {
    return insight(dataplane)
        .map(DataplaneInsightSpec::mTLS)
        .map(DataplaneInsightSpec.Mtls::certificateRegenerations)
        .orElse(null);
  }

  @Test
  void nodeIdThatNamesNoDataplaneIsRefused() {
    SimulatedEnvoy bad = SimulatedEnvoy.connect(channel, "no-dot-here", Map.of(), (t, v) -> {});
    await().atMost(WAIT).until(() -> bad.error() != null);
    assertThat(Status.fromThrowable(bad.error()).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(Status.fromThrowable(bad.error()).getDescription()).contains("<mesh>.<name>");
  }
}

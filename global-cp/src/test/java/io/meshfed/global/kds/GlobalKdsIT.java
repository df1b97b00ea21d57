package io.meshfed.global.kds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.kds.KdsClientSession;
import io.meshfed.kds.KdsEnvelope;
import io.meshfed.kds.proto.KdsSyncServiceGrpc;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.ZoneIngressSpec;
import io.meshfed.model.spec.ZoneInsightSpec;
import io.meshfed.model.spec.ZoneSpec;
import io.meshfed.store.ha.Coordination;
import io.meshfed.store.ha.LeaderElector;
import io.meshfed.store.ha.LeasedKeys;
import io.meshfed.store.ha.LocalCoordination;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.FreePorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Global's KDS server against stand-in zones over real plaintext gRPC on loopback. */
class GlobalKdsIT {
  static final String MESH = "type: Mesh\nname: default\n";
  static final String PERMISSION =
      """
      type: TrafficPermission
      mesh: default
      name: %s
      sources:
      - match:
          kuma.io/service: '*'
      destinations:
      - match:
          kuma.io/service: '*'
      """;
  static final String DATAPLANE =
      """
      type: Dataplane
      mesh: default
      name: %s
      networking:
        address: 10.0.0.1
        inbound:
        - port: 8080
          servicePort: 80
          tags:
            kuma.io/service: web
            kuma.io/zone: %s
      """;
  static final String INGRESS =
      """
      type: ZoneIngress
      name: ingress
      networking:
        address: 10.0.0.2
        port: 10001
        advertisedAddress: 192.0.2.1
        advertisedPort: 10001
      """;

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private MemoryResourceStore store;
  private GlobalControlPlane global;

  @BeforeEach
  void startGlobal() {
    store = new MemoryResourceStore();
    global = startGlobal(store);
  }

  private GlobalControlPlane startGlobal(MemoryResourceStore on) {
    return startGlobal(on, new LocalCoordination(GlobalControlPlane.newInstanceId()));
  }

  private GlobalControlPlane startGlobal(MemoryResourceStore on, Coordination coordination) {
    List<Integer> ports = FreePorts.several(2);
    GlobalConfig config =
        GlobalConfig.load(
            Map.of(
                "api-port", ports.get(0).toString(),
                "kds-port", ports.get(1).toString(),
                "api-address", "127.0.0.1"),
            Map.of(),
            null);
    KdsServerOptions options =
        KdsServerOptions.defaults()
            .withBindAddress("127.0.0.1")
            .withInterceptor(new FakeZone.TestAuth())
            .withZoneVersionKey(FakeZone.VERSION_KEY)
            .withSettings(FakeZone.SETTINGS)
            .withInsightFlushInterval(Duration.ofMillis(100));
    return new GlobalControlPlane(config, on, Clock.systemUTC(), options, coordination).start();
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    global.close();
  }

  private FakeZone zone(String name, String version) {
    FakeZone z = new FakeZone(name, global.kdsPort(), version);
    closeables.add(0, z);
    return z;
  }

  private KdsClientSession connect(FakeZone z) {
    KdsClientSession s = z.connect();
    closeables.add(0, s);
    return s;
  }

  private Resource putGlobal(String yaml) {
    return store.create(global.codec().decodeOne(yaml)).join();
  }

  private Resource getGlobal(ResourceKey key) {
    return store.get(key).join().orElse(null);
  }

  private HttpResponse<String> http(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + global.apiPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode getJson(String path) throws Exception {
    HttpResponse<String> r = http(path);
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return json.readTree(r.body());
  }

  private static ResourceKey key(String type, String mesh, String name) {
    return new ResourceKey(type, mesh, name);
  }

  @Test
  void policiesReachTheZoneAndItsResourcesArriveRenamedLabelledAndPinned() throws Exception {
    putGlobal(MESH);
    putGlobal(PERMISSION.formatted("allow-all"));
    FakeZone z1 = zone("zone-1", null);
    connect(z1);
    await()
        .untilAsserted(
            () -> assertThat(z1.get(key("TrafficPermission", "default", "allow-all"))).isPresent());

    z1.put(DATAPLANE.formatted("web", "zone-9"));
    z1.put(INGRESS + "zone: zone-9\n");

    await().until(() -> getGlobal(key("Dataplane", "default", "zone-1.web")) != null);
    Resource dp = getGlobal(key("Dataplane", "default", "zone-1.web"));
    assertThat(dp.labels()).containsEntry(Tags.ORIGIN, "zone").containsEntry(Tags.ZONE, "zone-1");
    assertThat(dp.spec(DataplaneSpec.class).inbounds().get(0).tags())
        .containsEntry(Tags.ZONE, "zone-1");
    await().until(() -> getGlobal(key("ZoneIngress", null, "zone-1.ingress")) != null);
    Resource ingress = getGlobal(key("ZoneIngress", null, "zone-1.ingress"));
    assertThat(ingress.spec(ZoneIngressSpec.class).zone()).isEqualTo("zone-1");
    assertThat(ingress.labels()).containsEntry(Tags.ZONE, "zone-1");
    assertThat(getGlobal(key("Dataplane", "default", "web"))).isNull();

    assertThat(http("/metrics").body())
        .contains("kds_zone_attribution_rewrites_total{zone=\"zone-1\"} 2.0");
  }

  @Test
  void claimsOnOtherZonesAndGlobalOwnedTypesAreRefused() throws Exception {
    putGlobal(MESH);
    FakeZone z1 = zone("zone-1", null);
    connect(z1);
    await().untilAsserted(() -> assertThat(z1.get(key("Mesh", null, "default"))).isPresent());
    z1.put(DATAPLANE.formatted("web", "zone-1"));
    await().until(() -> getGlobal(key("Dataplane", "default", "zone-1.web")) != null);
    Resource before = getGlobal(key("Dataplane", "default", "zone-1.web"));

    FakeZone z2 = zone("zone-2", null);
    connect(z2);
    await().untilAsserted(() -> assertThat(z2.get(key("Mesh", null, "default"))).isPresent());
    Resource claim = z2.codec.decodeOne(DATAPLANE.formatted("web", "zone-1"));
    z2.store.create(claim.withMeta(Meta.withLabels(Map.of(Tags.ZONE, "zone-1")))).join();
    await()
        .untilAsserted(
            () ->
                assertThat(z2.listener.nackedNames())
                    .hasEntrySatisfying(
                        "default/web",
                        reason ->
                            assertThat(reason).contains("this stream belongs to zone zone-2")));
    assertThat(getGlobal(key("Dataplane", "default", "zone-2.web"))).isNull();
    assertThat(getGlobal(key("Dataplane", "default", "zone-1.web"))).isEqualTo(before);

    // a hand-made zone pushing a global-owned type on ZoneToGlobalSync gets a NACK naming it
    CopyOnWriteArrayList<DeltaDiscoveryRequest> answers = new CopyOnWriteArrayList<>();
    CompletableFuture<Status> done = new CompletableFuture<>();
    StreamObserver<DeltaDiscoveryResponse> out =
        KdsSyncServiceGrpc.newStub(z2.channelAs("zone-2"))
            .zoneToGlobalSync(
                new StreamObserver<>() {
                  @Override
                  public void onNext(DeltaDiscoveryRequest value) {
                    answers.add(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.complete(Status.fromThrowable(t));
                  }

                  @Override
                  public void onCompleted() {
                    done.complete(Status.OK);
                  }
                });
    Resource tp = global.codec().decodeOne(PERMISSION.formatted("sneaky"));
    out.onNext(
        DeltaDiscoveryResponse.newBuilder()
            .setTypeUrl("TrafficPermission")
            .setNonce("1")
            .addResources(new KdsEnvelope(global.codec()).encode(tp))
            .build());
    await()
        .untilAsserted(
            () ->
                assertThat(answers)
                    .anySatisfy(
                        a -> {
                          assertThat(a.getResponseNonce()).isEqualTo("1");
                          assertThat(a.hasErrorDetail()).isTrue();
                          assertThat(a.getErrorDetail().getMessage()).contains("default/sneaky");
                        }));
    out.onCompleted();
    assertThat(getGlobal(key("TrafficPermission", "default", "sneaky"))).isNull();
    assertThat(getGlobal(key("TrafficPermission", "default", "zone-2.sneaky"))).isNull();
  }

  @Test
  void ingressesReachOtherZonesOnlyAndFollowTheZoneEnabledFlag() throws Exception {
    FakeZone z1 = zone("zone-1", null);
    FakeZone z2 = zone("zone-2", null);
    connect(z1);
    connect(z2);
    z1.put(INGRESS);
    z1.put(
        """
        type: ZoneIngress
        name: private
        networking:
          address: 10.0.0.3
          port: 10001
        """);
    ResourceKey copy = key("ZoneIngress", null, "zone-1.ingress");
    await().untilAsserted(() -> assertThat(z2.get(copy)).isPresent());
    assertThat(z2.get(copy).get().spec(ZoneIngressSpec.class).zone()).isEqualTo("zone-1");
    assertThat(z2.get(copy).get().labels()).doesNotContainKey("kds.meshfed.io/name");
    assertThat(getGlobal(key("ZoneIngress", null, "zone-1.private"))).isNotNull();
    assertThat(z2.get(key("ZoneIngress", null, "zone-1.private"))).isEmpty();
    assertThat(z1.get(copy)).isEmpty();

    Resource zone1 = getGlobal(key("Zone", null, "zone-1"));
    store.update(zone1.withSpec(new ZoneSpec(false)), 0).join();
    await().untilAsserted(() -> assertThat(z2.get(copy)).isEmpty());
    assertThat(getJson("/status/zones").toString())
        .contains("{\"name\":\"zone-1\",\"active\":false,\"status\":\"Disabled\"}")
        .contains("{\"name\":\"zone-2\",\"active\":true,\"status\":\"Online\"}");

    store.update(getGlobal(zone1.key()).withSpec(new ZoneSpec(true)), 0).join();
    await().untilAsserted(() -> assertThat(z2.get(copy)).isPresent());
    assertThat(z1.get(copy)).isEmpty();
  }

  @Test
  void zoneAndInsightFollowTheConnection() throws Exception {
    putGlobal(MESH);
    FakeZone z1 = zone("zone-1", "1.2.3");
    KdsClientSession session = connect(z1);
    await().untilAsserted(() -> assertThat(z1.get(key("Mesh", null, "default"))).isPresent());

    Resource zone = getGlobal(key("Zone", null, "zone-1"));
    assertThat(zone).isNotNull();
    assertThat(zone.spec(ZoneSpec.class).enabledOrDefault()).isTrue();
    await()
        .untilAsserted(
            () -> {
              ZoneInsightSpec insight =
                  getGlobal(key("ZoneInsight", null, "zone-1")).spec(ZoneInsightSpec.class);
              assertThat(insight.online()).isTrue();
              ZoneInsightSpec.KdsSubscription sub = insight.subscriptions().get(0);
              assertThat(sub.globalInstanceId()).isEqualTo(global.instanceId());
              assertThat(sub.version().kumaCp().version()).isEqualTo("1.2.3");
              assertThat(sub.status().stat().get("Mesh").responsesSent()).isPositive();
              assertThat(sub.status().stat().get("Mesh").responsesAcknowledged()).isPositive();
              assertThat(sub.status().stat().get("Mesh").lastAckedVersion()).isNotEmpty();
              assertThat(sub.status().stat().get("Mesh").lastAckTime()).isNotNull();
              assertThat(sub.status().stat().get("Mesh").lastAckLatencySeconds()).isNotNegative();
              assertThat(sub.status().lastUpdateTime()).isNotNull();
            });

    JsonNode overview = getJson("/zones+insights");
    assertThat(overview.get("total").asInt()).isEqualTo(1);
    JsonNode item = overview.get("items").get(0);
    assertThat(item.get("type").asText()).isEqualTo("ZoneOverview");
    assertThat(item.get("name").asText()).isEqualTo("zone-1");
    assertThat(item.get("zone").get("enabled").asBoolean()).isTrue();
    assertThat(item.get("zoneInsight").get("subscriptions")).hasSize(1);
    assertThat(item.get("kdsAcks").get("Mesh").get("lastAckedVersion").asText()).isNotEmpty();
    assertThat(getJson("/zones+insights/zone-1").get("name").asText()).isEqualTo("zone-1");
    assertThat(http("/zones+insights/nowhere").statusCode()).isEqualTo(404);
    assertThat(getJson("/status/zones").toString())
        .isEqualTo("[{\"name\":\"zone-1\",\"active\":true,\"status\":\"Online\"}]");

    String metrics = http("/metrics").body();
    assertThat(metrics)
        .contains("kds_streams_active{zone=\"zone-1\"} 2.0")
        .contains("kds_responses_sent_total{type=\"Mesh\",zone=\"zone-1\"}")
        .contains("kds_resources_sent_total{type=\"Mesh\",zone=\"zone-1\"} 1.0")
        .contains("kds_bytes_sent_total{type=\"Mesh\",zone=\"zone-1\"}")
        .contains("kds_acks_total{type=\"Mesh\",zone=\"zone-1\"}")
        .contains("kds_ack_latency_seconds_count{type=\"Mesh\",zone=\"zone-1\"}");

    session.close();
    await()
        .untilAsserted(
            () ->
                assertThat(getJson("/status/zones").toString())
                    .isEqualTo("[{\"name\":\"zone-1\",\"active\":false,\"status\":\"Offline\"}]"));
    ZoneInsightSpec after =
        getGlobal(key("ZoneInsight", null, "zone-1")).spec(ZoneInsightSpec.class);
    assertThat(after.subscriptions().get(0).disconnectTime()).isNotNull();
    await()
        .untilAsserted(
            () ->
                assertThat(http("/metrics").body())
                    .contains("kds_streams_active{zone=\"zone-1\"} 0.0"));
  }

  @Test
  void syncStatusShowsAckedVersionsPerZoneAndNackReasons() throws Exception {
    putGlobal(MESH);
    Resource tp = putGlobal(PERMISSION.formatted("allow-all"));
    putGlobal(PERMISSION.formatted("clash"));
    FakeZone z1 = zone("zone-1", null);
    FakeZone z2 = zone("zone-2", null);
    z2.put(MESH); // the zone's own copies, not written by KDS: it refuses global's versions
    z2.put(PERMISSION.formatted("clash"));
    connect(z1);
    connect(z2);

    await()
        .untilAsserted(
            () -> {
              JsonNode sync = getJson("/meshes/default/traffic-permissions/allow-all/_sync");
              assertThat(sync.get("resource").get("name").asText()).isEqualTo("allow-all");
              assertThat(sync.get("resource").get("mesh").asText()).isEqualTo("default");
              String version = sync.get("version").asText();
              assertThat(version)
                  .isEqualTo(
                      new KdsEnvelope(global.codec())
                          .encode(GlobalSources.forZones(getGlobal(tp.key())))
                          .getVersion());
              JsonNode zones = sync.get("zones");
              assertThat(zones).hasSize(2);
              assertThat(zones.get(0).get("zone").asText()).isEqualTo("zone-1");
              assertThat(zones.get(0).get("state").asText()).isEqualTo("acked");
              assertThat(zones.get(0).get("version").asText()).isEqualTo(version);
              assertThat(zones.get(0).get("upToDate").asBoolean()).isTrue();
            });
    await()
        .untilAsserted(
            () -> {
              JsonNode zones =
                  getJson("/meshes/default/traffic-permissions/clash/_sync").get("zones");
              JsonNode two = zones.get(zones.size() - 1);
              assertThat(two.get("zone").asText()).isEqualTo("zone-2");
              assertThat(two.get("state").asText()).isEqualTo("nacked");
              assertThat(two.get("upToDate").asBoolean()).isFalse();
              assertThat(two.get("reason").asText()).contains("was not written by KDS");
            });
    JsonNode mesh = getJson("/meshes/default/_sync");
    assertThat(mesh.get("resource").get("type").asText()).isEqualTo("Mesh");
    assertThat(http("/meshes/default/traffic-permissions/nope/_sync").statusCode()).isEqualTo(404);
    assertThat(http("/zones/nope/_sync").statusCode()).isEqualTo(404);
  }

  @Test
  void aReconnectWithNothingChangedSendsNoResourceEitherWay() throws Exception {
    putGlobal(MESH);
    putGlobal(PERMISSION.formatted("p1"));
    FakeZone z = zone("zone-1", null);
    KdsClientSession first = connect(z);
    await().untilAsserted(() -> assertThat(z.get(key("Mesh", null, "default"))).isPresent());
    z.put(DATAPLANE.formatted("web-1", "zone-1"));
    await()
        .untilAsserted(
            () -> {
              assertThat(z.get(key("TrafficPermission", "default", "p1"))).isPresent();
              assertThat(getGlobal(key("Dataplane", "default", "zone-1.web-1"))).isNotNull();
              assertThat(z.listener.acks("Dataplane")).isPositive();
            });
    first.close();
    await().until(() -> z.listener.count("streamsClosed") == 2);
    long upserts = z.listener.count("upsertsApplied:TrafficPermission");
    long meshUpserts = z.listener.count("upsertsApplied:Mesh");
    long applied = z.listener.count("responsesApplied:TrafficPermission");
    long dataplanesSent = z.listener.resourcesSent("Dataplane");
    long dataplaneAcks = z.listener.acks("Dataplane");
    int sentFrom = z.sent.size();

    connect(z);
    await()
        .untilAsserted(
            () -> {
              assertThat(z.listener.count("responsesApplied:TrafficPermission"))
                  .isGreaterThan(applied);
              assertThat(z.listener.acks("Dataplane")).isGreaterThan(dataplaneAcks);
            });
    assertThat(z.listener.count("upsertsApplied:TrafficPermission")).isEqualTo(upserts);
    assertThat(z.listener.count("upsertsApplied:Mesh")).isEqualTo(meshUpserts);
    assertThat(z.listener.count("removalsApplied:TrafficPermission")).isZero();
    assertThat(z.listener.resourcesSent("Dataplane")).isEqualTo(dataplanesSent);
    assertThat(getGlobal(key("Dataplane", "default", "zone-1.web-1"))).isNotNull();
    DeltaDiscoveryRequest resumed =
        z.sent.subList(sentFrom, z.sent.size()).stream()
            .filter(m -> m instanceof DeltaDiscoveryRequest)
            .map(m -> (DeltaDiscoveryRequest) m)
            .filter(r -> r.getTypeUrl().equals("TrafficPermission"))
            .findFirst()
            .orElseThrow();
    assertThat(resumed.getInitialResourceVersionsCount())
        .as("resumed by digest, not by the version list")
        .isZero();
    assertThat(resumed.getNode().getMetadata().getFieldsMap()).containsKey("kds.meshfed.io/digest");
  }

  @Test
  void aSecondConnectionOfAZoneReplacesTheFirst() throws Exception {
    putGlobal(MESH);
    FakeZone first = zone("zone-1", null);
    KdsClientSession old = connect(first);
    await().untilAsserted(() -> assertThat(first.get(key("Mesh", null, "default"))).isPresent());

    FakeZone second = zone("zone-1", null);
    connect(second);
    Status why = old.closed().get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(why.getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(why.getDescription()).contains("replaced by a newer KDS connection of zone zone-1");

    putGlobal(PERMISSION.formatted("after"));
    await()
        .untilAsserted(
            () -> assertThat(second.get(key("TrafficPermission", "default", "after"))).isPresent());
    assertThat(first.get(key("TrafficPermission", "default", "after"))).isEmpty();
    await()
        .untilAsserted(
            () -> {
              ZoneInsightSpec insight =
                  getGlobal(key("ZoneInsight", null, "zone-1")).spec(ZoneInsightSpec.class);
              assertThat(insight.subscriptions()).hasSize(2);
              assertThat(insight.subscriptions().stream().filter(s -> s.connected())).hasSize(1);
            });
  }

  @Test
  void aRestartClosesSubscriptionsLeftOpenByThePreviousInstance() {
    global.close();
    MemoryResourceStore reused = new MemoryResourceStore();
    Instant then = Instant.parse("2024-01-01T00:00:00Z");
    ZoneInsightSpec.KdsSubscription stale =
        new ZoneInsightSpec.KdsSubscription(
            "s-1", "old-global", null, then, null, null, null, null, null, null);
    reused
        .create(
            new Resource(
                ResourceKey.global(StandardTypes.ZONE_INSIGHT, "zone-1"),
                Meta.EMPTY,
                new ZoneInsightSpec(List.of(stale), null, null)))
        .join();
    global = startGlobal(reused);
    // the leader's sweep closes it: "old-global" is not a live replica
    await()
        .untilAsserted(
            () -> {
              ZoneInsightSpec.KdsSubscription closed =
                  reused
                      .get(ResourceKey.global(StandardTypes.ZONE_INSIGHT, "zone-1"))
                      .join()
                      .orElseThrow()
                      .spec(ZoneInsightSpec.class)
                      .subscriptions()
                      .get(0);
              assertThat(closed.id()).isEqualTo("s-1");
              assertThat(closed.disconnectTime()).isNotNull();
            });
  }

  @Test
  void aSecondReplicaKeepsTheFirstsSubscriptionsAndRefusesTheZoneFromAnotherProcess()
      throws Exception {
    global.close();
    MemoryResourceStore shared = new MemoryResourceStore();
    LocalCoordination etcd = new LocalCoordination("shared-etcd");
    global = startGlobal(shared, new Replica("global-a", etcd));
    putGlobalOn(shared, MESH);
    FakeZone onA = zone("zone-1", "1.2.3");
    connect(onA);
    await()
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              ZoneInsightSpec insight =
                  shared
                      .get(key("ZoneInsight", null, "zone-1"))
                      .join()
                      .orElseThrow()
                      .spec(ZoneInsightSpec.class);
              assertThat(insight.subscriptions()).hasSize(1);
              assertThat(insight.subscriptions().get(0).connected()).isTrue();
              assertThat(insight.subscriptions().get(0).globalInstanceId()).isEqualTo("global-a");
            });

    GlobalControlPlane b = startGlobal(shared, new Replica("global-b", etcd));
    closeables.add(b);

    // B's start and its sweeps leave A's live subscription open
    await()
        .during(Duration.ofMillis(1500))
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(
                        shared
                            .get(key("ZoneInsight", null, "zone-1"))
                            .join()
                            .orElseThrow()
                            .spec(ZoneInsightSpec.class)
                            .subscriptions()
                            .get(0)
                            .connected())
                    .isTrue());
    // zone-1 from another process through replica B: refused while A serves zone-1
    FakeZone viaB = new FakeZone("zone-1", b.kdsPort(), "1.2.3");
    closeables.add(0, viaB);
    KdsClientSession second = connect(viaB);
    Status why = second.closed().get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(why.getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(why.getDescription()).contains("global replica global-a");
    // a write on B reaches the zone served by A (both follow the store)
    b.store().create(global.codec().decodeOne(PERMISSION.formatted("via-b"))).join();
    await()
        .untilAsserted(
            () -> assertThat(onA.get(key("TrafficPermission", "default", "via-b"))).isPresent());
  }

  private void putGlobalOn(MemoryResourceStore on, String yaml) {
    on.create(global.codec().decodeOne(yaml)).join();
  }

  /** One replica's view of coordination shared by replicas of one store (one etcd). */
  private record Replica(String instanceId, LocalCoordination shared) implements Coordination {
    @Override
    public LeaderElector elector(String role) {
      return shared.elector(role);
    }

    @Override
    public LeasedKeys keys(String namespace) {
      return shared.keys(namespace);
    }

    @Override
    public void close() {}
  }
}

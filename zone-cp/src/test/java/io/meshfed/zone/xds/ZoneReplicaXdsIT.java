package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.DataplaneInsightSpec;
import io.meshfed.model.spec.DiscoverySubscription;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.ZoneIngressSpec;
import io.meshfed.store.ForwardingStore;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.SimulatedEnvoy;
import io.meshfed.xds.Identity;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.Closeable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two replicas of zone-1 (two xDS servers over real gRPC on one shared store, as two zone control
 * planes on the zone's etcd): starting a replica does not close the subscriptions of the other
 * replica's proxies, only the leader's sweep closes those of replicas that are gone, and only the
 * leader writes the zone ingress's availableServices.
 */
class ZoneReplicaXdsIT {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private final ResourceCodec codec = new ResourceCodec(StandardTypes.registry());
  private final MemoryResourceStore store = new MemoryResourceStore();
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
  private final List<Closeable> closing = new ArrayList<>();

  @BeforeEach
  void meshAndDataplanes() throws Exception {
    put("type: Mesh\nname: default\n");
    for (String[] dp :
        new String[][] {{"web-1", "web", "20002"}, {"backend-1", "backend", "20001"}}) {
      put(
          """
          type: Dataplane
          mesh: default
          name: %s
          labels: {kuma.io/origin: zone, kuma.io/zone: zone-1}
          networking:
            address: 127.0.0.1
            inbound:
            - port: %s
              servicePort: 8080
              tags: {kuma.io/service: %s, kuma.io/zone: zone-1}
          """
              .formatted(dp[0], dp[2], dp[1]));
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    scheduler.shutdownNow();
  }

  @Test
  void aStartingReplicaLeavesTheOtherReplicasSubscriptionsOpen() throws Exception {
    XdsServer a = replica("zone-1-a", store);
    SimulatedEnvoy web = connect(a, "default.web-1");
    await().atMost(WAIT).until(() -> openSubscriptionOf("web-1").isPresent());
    assertThat(openSubscriptionOf("web-1").get().controlPlaneInstanceId()).isEqualTo("zone-1-a");

    XdsServer b = replica("zone-1-b", store);
    // the leader's sweep with both replicas registered: nothing of a's is closed
    b.closeSubscriptionsOfGoneInstances(Set.of("zone-1-a", "zone-1-b"), Duration.ZERO, store)
        .get(10, TimeUnit.SECONDS);
    // a later flush of the starting replica must not have closed it either
    SimulatedEnvoy backend = connect(b, "default.backend-1");
    await().atMost(WAIT).until(() -> openSubscriptionOf("backend-1").isPresent());

    assertThat(openSubscriptionOf("web-1"))
        .as("web-1's subscription on replica a after replica b started")
        .hasValueSatisfying(s -> assertThat(s.controlPlaneInstanceId()).isEqualTo("zone-1-a"));
    assertThat(web.error()).isNull();
    assertThat(backend.error()).isNull();
  }

  @Test
  void theLeadersSweepClosesOnlySubscriptionsOfReplicasThatAreGone() throws Exception {
    XdsServer a = replica("zone-1-a", store);
    XdsServer b = replica("zone-1-b", store);
    connect(a, "default.web-1");
    connect(b, "default.backend-1");
    await()
        .atMost(WAIT)
        .until(
            () ->
                openSubscriptionOf("web-1").isPresent()
                    && openSubscriptionOf("backend-1").isPresent());

    // a is gone from the registry (its lease expired); b leads and sweeps
    b.closeSubscriptionsOfGoneInstances(Set.of("zone-1-b"), Duration.ZERO, store)
        .get(10, TimeUnit.SECONDS);

    assertThat(openSubscriptionOf("web-1")).isEmpty();
    assertThat(openSubscriptionOf("backend-1"))
        .hasValueSatisfying(s -> assertThat(s.controlPlaneInstanceId()).isEqualTo("zone-1-b"));

    // a subscription younger than the grace is kept: its replica may still be registering
    connect(a, "default.web-1");
    await().atMost(WAIT).until(() -> openSubscriptionOf("web-1").isPresent());
    b.closeSubscriptionsOfGoneInstances(Set.of("zone-1-b"), Duration.ofMinutes(1), store)
        .get(10, TimeUnit.SECONDS);
    assertThat(openSubscriptionOf("web-1")).isPresent();
  }

  @Test
  void onlyTheLeaderWritesTheIngressAvailableServices() throws Exception {
    put(
        """
        type: ZoneIngress
        name: ingress-1
        labels: {kuma.io/origin: zone, kuma.io/zone: zone-1}
        zone: zone-1
        networking:
          address: 127.0.0.1
          port: 10001
          advertisedAddress: 127.0.0.1
          advertisedPort: 10001
        """);
    List<String> followerWrites = new CopyOnWriteArrayList<>();
    XdsServer follower = replica("zone-1-b", new RecordingWrites(store, followerWrites));
    SimulatedEnvoy web = connect(follower, "default.web-1");
    // the follower built and served config from a view that holds the ingress and dataplanes
    await().atMost(WAIT).until(() -> web.ackedVersions().containsKey(SimulatedEnvoy.CLUSTER));
    put(
        """
        type: Dataplane
        mesh: default
        name: backend-2
        labels: {kuma.io/origin: zone, kuma.io/zone: zone-1}
        networking:
          address: 127.0.0.1
          inbound:
          - port: 20003
            servicePort: 8080
            tags: {kuma.io/service: backend, kuma.io/zone: zone-1}
        """);
    await().atMost(WAIT).until(() -> openSubscriptionOf("web-1").isPresent());
    assertThat(ingressServices()).as("availableServices written by a follower").isEmpty();
    assertThat(followerWrites).noneMatch(w -> w.startsWith(StandardTypes.ZONE_INGRESS + "/"));

    XdsServer leader = replica("zone-1-a", store);
    closing.add(leader.writeAvailableServices(store));
    await().atMost(WAIT).until(() -> !ingressServices().isEmpty());
    assertThat(ingressServices())
        .extracting(s -> s.tags().get("kuma.io/service"))
        .containsExactlyInAnyOrder("web", "backend");
    assertThat(followerWrites).noneMatch(w -> w.startsWith(StandardTypes.ZONE_INGRESS + "/"));
  }

  private XdsServer replica(String instanceId, ResourceStore replicaStore) {
    XdsServer server =
        new XdsServer(
                "zone-1",
                instanceId,
                replicaStore,
                new PlaceholderCa(),
                Clock.systemUTC(),
                scheduler,
                new SimpleMeterRegistry(),
                Duration.ofMillis(100))
            .start("127.0.0.1", 0);
    closing.add(server::close);
    return server;
  }

  private SimulatedEnvoy connect(XdsServer server, String node) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    closing.add(
        () -> {
          try {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    SimulatedEnvoy envoy = SimulatedEnvoy.connect(channel, node, Map.of(), (t, v) -> {});
    closing.add(envoy::close);
    return envoy;
  }

  private Optional<DiscoverySubscription> openSubscriptionOf(String dataplane) throws Exception {
    return store
        .get(ResourceKey.inMesh(StandardTypes.DATAPLANE_INSIGHT, "default", dataplane))
        .get()
        .map(r -> r.spec(DataplaneInsightSpec.class))
        .flatMap(
            i -> i.subscriptions().stream().filter(DiscoverySubscription::connected).findAny());
  }

  private List<ZoneIngressSpec.AvailableService> ingressServices() throws Exception {
    return store
        .get(ResourceKey.global(StandardTypes.ZONE_INGRESS, "ingress-1"))
        .get()
        .orElseThrow()
        .spec(ZoneIngressSpec.class)
        .availableServices();
  }

  private void put(String yaml) throws Exception {
    Resource r = codec.decodeOne(yaml);
    store.create(r).get();
  }

  /** The follower's store: records each update it makes ({@code type/name}). */
  private static final class RecordingWrites extends ForwardingStore {
    private final List<String> writes;

    RecordingWrites(ResourceStore delegate, List<String> writes) {
      super(delegate);
      this.writes = writes;
    }

    @Override
    public CompletableFuture<Resource> update(Resource resource, long expectedVersion) {
      writes.add(resource.type() + "/" + resource.name());
      return super.update(resource, expectedVersion);
    }

    @Override
    public void close() {}
  }

  /** Placeholder PEMs: simulated Envoys do not check them. */
  private static final class PlaceholderCa implements XdsServer.CertificateAuthority {
    @Override
    public CompletableFuture<Identity> issue(
        String mesh, MeshSpec spec, Map<String, Set<String>> tags) {
      return CompletableFuture.completedFuture(
          new Identity("leaf", "key", "root", Instant.now().plus(Duration.ofHours(1))));
    }

    @Override
    public Instant rotateAt(Identity identity) {
      return identity.notAfter().minus(Duration.ofMinutes(30));
    }
  }
}

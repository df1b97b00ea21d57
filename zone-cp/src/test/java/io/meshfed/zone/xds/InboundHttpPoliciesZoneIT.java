package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.SimulatedEnvoy;
import io.meshfed.xds.Identity;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The zone watches FaultInjection and RateLimit: one stored in the zone (as KDS writes it) changes
 * the config of the HTTP inbound it selects, over real gRPC to a simulated Envoy.
 */
class InboundHttpPoliciesZoneIT {
  private final ResourceCodec codec = new ResourceCodec(StandardTypes.registry());
  private final MemoryResourceStore store = new MemoryResourceStore();
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
            tags: {kuma.io/service: backend, kuma.io/protocol: http, kuma.io/zone: zone-1}
        """);
    XdsServer.CertificateAuthority noMtls =
        new XdsServer.CertificateAuthority() {
          @Override
          public CompletableFuture<Identity> issue(
              String mesh, io.meshfed.model.spec.MeshSpec spec, Map<String, Set<String>> tags) {
            return CompletableFuture.failedFuture(
                new IllegalStateException("mesh without mTLS: no identity expected"));
          }

          @Override
          public Instant rotateAt(Identity identity) {
            return identity.notAfter();
          }
        };
    server =
        new XdsServer(
                "zone-1",
                "zone-1-test",
                store,
                noMtls,
                Clock.systemUTC(),
                scheduler,
                new SimpleMeterRegistry(),
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
    return store.create(codec.decodeOne(yaml)).get();
  }

  @Test
  void faultInjectionAndRateLimitInTheStoreChangeTheInboundListener() throws Exception {
    assertThat(ZoneViewReader.WATCHED)
        .contains(StandardTypes.FAULT_INJECTION, StandardTypes.RATE_LIMIT);
    try (SimulatedEnvoy backend =
        SimulatedEnvoy.connect(channel, "default.backend-1", Map.of(), (t, v) -> {})) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  backend
                      .ackedVersions()
                      .keySet()
                      .containsAll(List.of(SimulatedEnvoy.CLUSTER, SimulatedEnvoy.LISTENER)));
      String before = backend.ackedVersions().get(SimulatedEnvoy.LISTENER);

      put(
          """
          type: FaultInjection
          mesh: default
          name: to-backend
          sources: [{match: {kuma.io/service: '*'}}]
          destinations: [{match: {kuma.io/service: backend, kuma.io/protocol: http}}]
          conf: {abort: {percentage: 30, httpStatus: 503}}
          """);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> !before.equals(backend.ackedVersions().get(SimulatedEnvoy.LISTENER)));
      String withFault = backend.ackedVersions().get(SimulatedEnvoy.LISTENER);

      put(
          """
          type: RateLimit
          mesh: default
          name: to-backend
          sources: [{match: {kuma.io/service: '*'}}]
          destinations: [{match: {kuma.io/service: backend}}]
          conf: {http: {requests: 5, interval: 1s}}
          """);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> !withFault.equals(backend.ackedVersions().get(SimulatedEnvoy.LISTENER)));
      assertThat(backend.rejected()).isZero();
    }
  }
}

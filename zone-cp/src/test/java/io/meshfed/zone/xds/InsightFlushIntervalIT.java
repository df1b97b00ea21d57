package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DataplaneInsightSpec;
import io.meshfed.model.spec.DiscoverySubscription;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.SimulatedEnvoy;
import io.meshfed.zone.ZoneConfig;
import io.meshfed.zone.ZoneControlPlane;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A zone started with {@code dataplane-status-flush-interval} writes its proxies' ACK counters at
 * that interval: ten proxies, one in each flush slot, all have their counters in their insights
 * well before a default (10 s) interval could have visited every slot.
 */
class InsightFlushIntervalIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final MemoryResourceStore store = new MemoryResourceStore();
  private final List<SimulatedEnvoy> envoys = new ArrayList<>();
  private ZoneControlPlane cp;
  private ManagedChannel channel;

  @AfterEach
  void stop() {
    envoys.forEach(SimulatedEnvoy::close);
    if (channel != null) {
      channel.shutdownNow();
    }
    if (cp != null) {
      cp.close();
    }
  }

  @Test
  void theConfiguredIntervalWritesEveryProxysCountersWithinAFewOfItsTicks() throws Exception {
    store
        .create(
            new Resource(
                ResourceKey.global(StandardTypes.MESH, "default"),
                Meta.withLabels(Map.of(Tags.ORIGIN, "global")),
                MeshSpec.ofMtls(null)))
        .join();
    Map<String, String> flags = new HashMap<>();
    flags.put("zone", "zone-1");
    flags.put("global-address", "grpc://127.0.0.1:" + FreePorts.one());
    flags.put("kds-insecure", "true");
    flags.put("zone-token-file", Files.writeString(dir.resolve("token"), "t\n").toString());
    flags.put("data-dir", dir.resolve("zone").toString());
    flags.put("api-port", "0");
    flags.put("xds-port", "0");
    flags.put("dp-token-required", "false");
    flags.put("dataplane-status-flush-interval", "100ms");
    cp = new ZoneControlPlane(ZoneConfig.load(flags, Map.of(), null), store, Clock.systemUTC());
    cp.start();

    List<String> names = onePerSlot();
    for (int i = 0; i < names.size(); i++) {
      put(names.get(i), 20000 + i);
    }
    channel = NettyChannelBuilder.forAddress("127.0.0.1", cp.xdsPort()).usePlaintext().build();
    for (String name : names) {
      envoys.add(SimulatedEnvoy.connect(channel, "default." + name, Map.of(), (t, v) -> {}));
    }
    await()
        .atMost(WAIT)
        .until(
            () ->
                envoys.stream()
                    .allMatch(e -> e.ackedVersions().containsKey(SimulatedEnvoy.LISTENER)));

    // At the default 10 s interval a tick visits one slot a second: ten slots take ten seconds.
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              for (String name : names) {
                assertThat(acknowledged(name)).as("ACKs in the insight of %s", name).isPositive();
              }
            });
  }

  /** Dataplane names whose insights fall in the ten flush slots, one each. */
  private static List<String> onePerSlot() {
    String[] bySlot = new String[InsightWriter.SLOTS];
    int found = 0;
    for (int i = 0; found < bySlot.length; i++) {
      String name = "web-" + i;
      int slot = InsightWriter.slotOf(new ProxyId(ProxyId.Kind.SIDECAR, "default", name));
      if (bySlot[slot] == null) {
        bySlot[slot] = name;
        found++;
      }
    }
    return List.of(bySlot);
  }

  private void put(String name, int port) throws Exception {
    String yaml =
        """
        type: Dataplane
        mesh: default
        name: %s
        networking:
          address: 127.0.0.1
          inbound:
          - port: %d
            servicePort: %d
            tags: {kuma.io/service: %s}
        """
            .formatted(name, port, port + 1000, name);
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + cp.apiPort() + "/meshes/default/dataplanes/" + name))
                .header("Content-Type", "application/yaml")
                .PUT(HttpRequest.BodyPublishers.ofString(yaml))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
  }

  private long acknowledged(String name) {
    Optional<Resource> insight =
        store.get(new ProxyId(ProxyId.Kind.SIDECAR, "default", name).insightKey()).join();
    if (insight.isEmpty()) {
      return 0;
    }
    List<DiscoverySubscription> subs =
        ((DataplaneInsightSpec) insight.get().spec()).subscriptions();
    Long acked = subs.get(subs.size() - 1).status().total().responsesAcknowledged();
    return acked == null ? 0 : acked;
  }
}

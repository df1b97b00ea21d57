package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DiscoveryServiceStats;
import io.meshfed.model.spec.ZoneIngressSpec;
import io.meshfed.model.spec.ZoneInsightSpec;
import io.meshfed.model.spec.ZoneSpec;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code meshfed inspect zones} against an in-process global control plane. */
class InspectZonesIT {
  @TempDir Path dataDir;
  private final MemoryResourceStore store = new MemoryResourceStore();
  private GlobalControlPlane global;

  @BeforeEach
  void start() {
    List<Integer> ports = FreePorts.several(2);
    global =
        new GlobalControlPlane(
                GlobalConfig.load(
                    Map.of(
                        "api-port",
                        ports.get(0).toString(),
                        "kds-port",
                        ports.get(1).toString(),
                        // the admin token and KDS CA go here, not into the module directory
                        "data-dir",
                        dataDir.toString()),
                    Map.of(),
                    null),
                store,
                Clock.systemUTC())
            .start();
  }

  @AfterEach
  void stop() {
    global.close();
  }

  private void zone(String name, boolean enabled) {
    store
        .create(
            new Resource(
                ResourceKey.global(StandardTypes.ZONE, name), Meta.EMPTY, new ZoneSpec(enabled)))
        .join();
  }

  private void insight(String zone, Instant connected, Instant disconnected, long sent) {
    ZoneInsightSpec.KdsSubscription sub =
        new ZoneInsightSpec.KdsSubscription(
            "s-" + zone,
            global.instanceId(),
            null,
            connected,
            disconnected,
            new ZoneInsightSpec.KdsStatus(
                connected.plusSeconds(1), new DiscoveryServiceStats(sent, sent - 1, 1L), Map.of()),
            new ZoneInsightSpec.KdsVersion(
                new ZoneInsightSpec.CpVersion("1.2.3", null, null, null, null)),
            1L,
            null,
            null);
    store
        .create(
            new Resource(
                ResourceKey.global(StandardTypes.ZONE_INSIGHT, zone),
                Meta.EMPTY,
                new ZoneInsightSpec(List.of(sub), null, null)))
        .join();
  }

  private String run(String... args) {
    PrintStream saved = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      int code = Main.run(args);
      assertThat(code).isZero();
    } finally {
      System.setOut(saved);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void showsStatusTimesCountersAndVersionPerZone() throws Exception {
    String api = "http://127.0.0.1:" + global.apiPort();
    assertThat(run("inspect", "zones", "--api", api)).contains("No zones found.");

    Instant now = Instant.now();
    zone("zone-1", true);
    // times in the middle of their minute, so that a slow run still prints the same minutes
    insight("zone-1", now.minusSeconds(1230), null, 7);
    zone("zone-2", true);
    insight("zone-2", now.minusSeconds(630), now.minusSeconds(330), 3);
    zone("zone-3", false);

    String table = run("inspect", "zones", "--api", api);
    List<String> lines = table.lines().toList();
    assertThat(lines.get(0).split(" {3,}"))
        .containsExactly(
            "NAME",
            "STATUS",
            "LAST SEEN",
            "LAST CONNECTED",
            "LAST SYNC",
            "SENT",
            "ACKED",
            "NACKED",
            "VERSION");
    assertThat(lines.get(1).split(" {3,}"))
        .containsExactly("zone-1", "Online", "now", "20m ago", "20m ago", "7", "6", "1", "1.2.3");
    // an offline zone: last seen when it disconnected, not when it connected
    assertThat(lines.get(2).split(" {3,}"))
        .containsExactly(
            "zone-2", "Offline", "5m ago", "10m ago", "10m ago", "3", "2", "1", "1.2.3");
    assertThat(lines.get(3).split(" {3,}"))
        .containsExactly("zone-3", "Disabled", "never", "never", "never", "0", "0", "0", "-");

    JsonNode json =
        new ObjectMapper().readTree(run("inspect", "zones", "-o", "json", "--api", api));
    assertThat(json.get("total").asInt()).isEqualTo(3);
    assertThat(json.get("items").get(0).get("zoneInsight").get("subscriptions")).hasSize(1);
  }

  private void ingress(String name, String zone, Map<String, String> labels) {
    store
        .create(
            new Resource(
                ResourceKey.global(StandardTypes.ZONE_INGRESS, name),
                Meta.withLabels(labels),
                new ZoneIngressSpec(
                    zone,
                    new ZoneIngressSpec.Networking("127.0.0.1", "10.0.0.2", 10001, 10001, null),
                    List.of(
                        new ZoneIngressSpec.AvailableService(
                            Map.of("kuma.io/service", "backend"), 1, "default", null)))))
        .join();
  }

  /** The row of {@code name} in a printed table, split into cells. */
  private static List<String> row(String table, String name) {
    return table
        .lines()
        .filter(l -> l.startsWith(name + " "))
        .findFirst()
        .map(l -> List.of(l.split(" {3,}")))
        .orElseThrow(() -> new AssertionError("no row " + name + " in\n" + table));
  }

  @Test
  void anotherZonesIngressIsRemoteNotOffline() {
    // a zone's /zoneingresses+insights (the same endpoint class on both roles) holds its own
    // ingress and, copied from global (kuma.io/origin: global), the other zones' ingresses
    ingress("ingress-1", "zone-1", Map.of("kuma.io/origin", "zone", "kuma.io/zone", "zone-1"));
    ingress("ingress-2", "zone-2", Map.of("kuma.io/origin", "global", "kuma.io/zone", "zone-2"));
    String api = "http://127.0.0.1:" + global.apiPort();

    String table = run("inspect", "zone-ingresses", "--api", api);

    assertThat(table.lines().findFirst().orElseThrow().split(" {3,}"))
        .containsExactly(
            "NAME", "STATUS", "ZONE", "ADVERTISED", "SERVICES", "LAST CONNECTED", "ACKED");
    assertThat(row(table, "ingress-2"))
        .containsExactly("ingress-2", "remote (zone-2)", "zone-2", "10.0.0.2:10001", "1", "-", "-");
    assertThat(row(table, "ingress-1"))
        .containsExactly("ingress-1", "Offline", "zone-1", "10.0.0.2:10001", "1", "never", "0");
  }
}

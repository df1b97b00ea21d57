package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.testing.FreePorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two global replicas on one etcd, as real processes: zone-1 connects to replica A, zone-2 to
 * replica B.
 *
 * <ul>
 *   <li>B starting leaves A's zone-1 subscription open (it used to close every subscription of
 *       another instance at start);
 *   <li>zone-1 stays online on B past the offline grace, although its stream is on A: zone-2 (on B)
 *       holds zone-1's ingress without the offline label;
 *   <li>a policy written on either replica reaches the zone on the other;
 *   <li>a second zone-1 process dialling B is refused with ALREADY_EXISTS while A serves zone-1.
 * </ul>
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class GlobalReplicasIT {
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final Duration GRACE = Duration.ofSeconds(3);

  @TempDir Path dir;
  private Federation f;
  @RegisterExtension final LogsOnFailure logs = new LogsOnFailure(() -> f);
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private GlobalReplica b;

  @AfterEach
  void stop() throws Exception {
    GlobalReplica.keepLogs(dir, "GlobalReplicasIT");
    for (AutoCloseable c : closeables) {
      c.close();
    }
    if (f != null) {
      f.close();
    }
  }

  /** zone-1's subscriptions as the shared store holds them, read through {@code api}. */
  private JsonNode subscriptions(String api) {
    JsonNode insight = f.get(api, "/zone-insights/zone-1");
    return insight == null ? Federation.JSON.createArrayNode() : insight.path("subscriptions");
  }

  private static long open(JsonNode subscriptions) {
    long n = 0;
    for (JsonNode s : subscriptions) {
      if (s.path("disconnectTime").isMissingNode() || s.path("disconnectTime").isNull()) {
        n++;
      }
    }
    return n;
  }

  @Test
  void twoReplicasServeTheirZonesTogether() throws Exception {
    f =
        new Federation(dir)
            .withEtcd()
            .withTlsFiles()
            .withGlobalArgs("--zone-offline-grace", GRACE.toSeconds() + "s")
            .startGlobal();
    GlobalReplica a = GlobalReplica.first(f);
    Federation.Node zone1 = f.startZone("zone-1");
    String aId = a.instanceId();
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              JsonNode subs = subscriptions(a.api);
              assertThat(open(subs)).as("%s", subs).isEqualTo(1);
              assertThat(subs.toString()).contains(aId);
            });

    b = GlobalReplica.start(f, dir, "global-b", CONVERGE);
    closeables.add(b);
    assertThat(b.instanceId()).isNotEqualTo(aId);
    // B's start (and any sweep meanwhile) leaves A's live subscription open
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> assertThat(open(subscriptions(b.api))).isEqualTo(1));
    assertThat(a.leads() ^ b.leads()).as("exactly one replica leads").isTrue();

    Federation.Node zone2 = f.startZone("zone-2", f.token("zone-2"), b.kdsPort);
    int port = FreePorts.one();
    f.apply(
        zone1.api, "/zone-ingresses/ingress-1", MeshYaml.zoneIngress("ingress-1", port, port + 1));

    // zone-2 (served by B) gets zone-1's ingress, and B keeps zone-1 online past the grace
    await().atMost(CONVERGE).untilAsserted(() -> assertThat(ingressCopy(zone2.api)).isNotNull());
    await()
        .during(GRACE.plusSeconds(3))
        .atMost(GRACE.plusSeconds(20))
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () -> {
              JsonNode copy = ingressCopy(zone2.api);
              assertThat(copy.path("labels").has("meshfed.io/zone-offline"))
                  .as("zone-1's ingress on zone-2: %s", copy)
                  .isFalse();
            });

    // a write on either replica reaches the zone served by the other
    f.apply(b.api, "/meshes/default", "type: Mesh\nname: default\n");
    f.apply(b.api, "/meshes/default/traffic-permissions/via-b", permission("via-b"));
    f.apply(a.api, "/meshes/default/traffic-permissions/via-a", permission("via-a"));
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              assertThat(f.get(zone1.api, "/meshes/default/traffic-permissions/via-b")).isNotNull();
              assertThat(f.get(zone2.api, "/meshes/default/traffic-permissions/via-a")).isNotNull();
            });

    // another zone-1 process dialling B is refused while A serves zone-1
    Federation.Node intruder =
        f.startZone("zone-1", f.token("zone-1"), b.kdsPort, dir.resolve("zone-1-other"), false);
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(intruder.process.logText())
                    .contains("another zone control plane process is connected as zone zone-1")
                    .contains("global replica " + aId));
    assertThat(open(subscriptions(a.api))).as("zone-1's one live subscription, on A").isEqualTo(1);
    intruder.process.close();
  }

  private JsonNode ingressCopy(String zoneApi) {
    JsonNode list = f.get(zoneApi, "/zone-ingresses");
    for (JsonNode item : list.path("items")) {
      if (item.path("name").asText().contains("ingress-1")) {
        return item;
      }
    }
    return null;
  }

  private static String permission(String name) {
    return MeshYaml.trafficPermission(name, "'*'", "'*'");
  }
}

package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.testing.MeshfedProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rolling restart of every replica of the HA demo's federation (3-member etcd, three global
 * replicas, two replicas of zone-1 and zone-2, ingresses, backends in both zones, a client in
 * zone-1 with both zone-1 replicas as its control plane) while the client sends ~10 requests a
 * second through the 50/50 split: each global replica is stopped with SIGTERM and started again
 * until ready, one after another, then each zone replica (the two zones at once, never two replicas
 * of one zone), each time until the zone's leader holds its KDS connection again. At most 1 % of
 * the requests fail, the resource counts are those from before, every restarted leader is followed
 * by another leader, and no insight keeps an open subscription from a stopped instance.
 */
class RollingRestartIT {
  private static final Logger log = LoggerFactory.getLogger(RollingRestartIT.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration READY = Duration.ofSeconds(90);
  private static final Duration GRACE = Duration.ofSeconds(20);
  private static final Duration POLL = Duration.ofMillis(100);

  /** The longest time from a leader's SIGTERM to another replica saying it leads, per role. */
  private final Map<String, Long> handoverMs = new java.util.concurrent.ConcurrentHashMap<>();

  @TempDir Path dir;
  private final List<AutoCloseable> running = Collections.synchronizedList(new ArrayList<>());

  @AfterEach
  void stopAll() {
    for (int i = running.size() - 1; i >= 0; i--) {
      try {
        running.get(i).close();
      } catch (Exception e) {
        log.warn("while stopping: {}", e.toString());
      }
    }
  }

  @Test
  @Timeout(420)
  void restartingEveryReplicaUnderTrafficLosesAtMostOnePercentAndLeavesNoStaleState()
      throws Exception {
    Path jar =
        Path.of(System.getProperty(MeshfedProcess.JAR_PROPERTY, "target/meshfed.jar"))
            .toAbsolutePath();
    HaDemoProcesses processes = HaDemoProcesses.of(dir, jar);
    running.add(processes);
    HaDemo.Setup setup = HaDemo.setUp(dir, processes, "envoy", running);
    List<HaDemoProcesses.ControlPlane> globals = new ArrayList<>(setup.globals());
    List<List<HaDemoProcesses.ControlPlane>> zones = new ArrayList<>();
    setup.zones().forEach(z -> zones.add(new ArrayList<>(z.replicas())));

    // the figure is about the restarts: a request can still fail in the first second after the
    // split answers from both zones (seen in 2 of 5 runs, before any restart)
    await("20 requests in a row answered")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(POLL)
        .until(() -> setup.probe().send(20).failed() == 0);
    Traffic traffic = new Traffic(setup.probe());
    running.add(traffic);
    await("global to hold every zone's dataplanes")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(POLL)
        .until(() -> synced(counts(globals, setup.zones()), setup.zones()));
    Map<String, Integer> before = counts(globals, setup.zones());
    log.info("resource counts before: {}", before);
    Set<String> stopped = Collections.synchronizedSet(new HashSet<>());
    AtomicInteger leadersRestarted = new AtomicInteger();
    AtomicInteger leaderChanges = new AtomicInteger();

    long start = System.nanoTime();
    for (int i = 0; i < globals.size(); i++) {
      globals.set(
          i, restart(processes, globals, i, stopped, leadersRestarted, leaderChanges, null));
    }
    for (int r = 0; r < 2; r++) {
      int replica = r;
      List<CompletableFuture<Void>> both = new ArrayList<>();
      for (List<HaDemoProcesses.ControlPlane> zone : zones) {
        both.add(
            CompletableFuture.runAsync(
                () -> {
                  try {
                    zone.set(
                        replica,
                        restart(
                            processes,
                            zone,
                            replica,
                            stopped,
                            leadersRestarted,
                            leaderChanges,
                            zone));
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                }));
      }
      CompletableFuture.allOf(both.toArray(CompletableFuture[]::new)).join();
    }
    long restartMs = (System.nanoTime() - start) / 1_000_000;
    traffic.close();

    log.info("HA-FIGURE rolling-restart-failed-requests={}", traffic.failed.get());
    log.info("HA-FIGURE rolling-restart-total-requests={}", traffic.total.get());
    log.info("HA-FIGURE rolling-restart-ms={}", restartMs);
    log.info(
        "HA-FIGURE rolling-restart-global-leader-handover-max-ms={}",
        handoverMs.getOrDefault("global", -1L));
    log.info(
        "HA-FIGURE rolling-restart-zone-leader-handover-max-ms={}",
        handoverMs.getOrDefault("zone", -1L));
    log.info(
        "leaders restarted: {}, leader changes seen: {}", leadersRestarted, leaderChanges.get());
    assertThat(traffic.total.get()).as("requests sent").isGreaterThanOrEqualTo(100);
    assertThat(traffic.failed.get() * 100)
        .as("failed requests (x100) of %d", traffic.total.get())
        .isLessThanOrEqualTo(traffic.total.get());
    assertThat(leadersRestarted.get()).as("leaders restarted").isGreaterThanOrEqualTo(2);
    assertThat(leaderChanges.get()).isGreaterThanOrEqualTo(leadersRestarted.get());

    List<HaDemo.Zone> liveZones = new ArrayList<>();
    for (int z = 0; z < zones.size(); z++) {
      HaDemo.Zone old = setup.zones().get(z);
      liveZones.add(new HaDemo.Zone(old.name(), zones.get(z), old.xds()));
    }
    await("the same resource counts as before the restarts")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(POLL)
        .untilAsserted(() -> assertThat(counts(globals, liveZones)).isEqualTo(before));
    long sweep = System.nanoTime();
    await("no open subscription from a stopped instance, and open ones from live instances")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () -> {
              List<String> open = new ArrayList<>();
              List<String> stale = openFrom(globals, liveZones, stopped, open);
              assertThat(stale).isEmpty();
              // the check above sees subscriptions at all: every zone, every dataplane is connected
              assertThat(open.stream().filter(o -> o.startsWith("ZoneInsight"))).hasSize(2);
              for (HaDemo.Zone z : liveZones) {
                assertThat(
                        open.stream().filter(o -> o.startsWith("DataplaneInsight on " + z.name())))
                    .hasSize(z.name().equals("zone-1") ? 2 : 1);
                assertThat(
                        open.stream()
                            .filter(o -> o.startsWith("ZoneIngressInsight on " + z.name())))
                    .hasSize(1);
              }
            });
    log.info(
        "stale subscriptions gone {} ms after the last restart",
        (System.nanoTime() - sweep) / 1_000_000);
  }

  /**
   * Stops replica {@code i} of {@code replicas} with SIGTERM and starts it again until ready; when
   * it led, waits until another replica leads. For a zone, then waits until its leader holds KDS.
   */
  private HaDemoProcesses.ControlPlane restart(
      HaDemoProcesses processes,
      List<HaDemoProcesses.ControlPlane> replicas,
      int i,
      Set<String> stopped,
      AtomicInteger leadersRestarted,
      AtomicInteger leaderChanges,
      List<HaDemoProcesses.ControlPlane> zone)
      throws Exception {
    HaDemoProcesses.ControlPlane old = replicas.get(i);
    JsonNode index = json(old.api(), "/");
    String oldId = index.path("instanceId").asText();
    boolean led = index.path("leader").asBoolean();
    List<HaDemoProcesses.ControlPlane> others = new ArrayList<>(replicas);
    others.remove(old);
    log.info("SIGTERM {} (leads: {})", old.name(), led);
    long t0 = System.nanoTime();
    HaDemoProcesses.ControlPlane fresh = processes.restart(old, GRACE);
    stopped.add(oldId);
    if (led) {
      leadersRestarted.incrementAndGet();
      HaDemoProcesses.ControlPlane next = HaDemo.awaitLeader(others);
      handoverMs.merge(
          zone == null ? "global" : "zone", (System.nanoTime() - t0) / 1_000_000, Math::max);
      if (!json(next.api(), "/").path("instanceId").asText().equals(oldId)) {
        leaderChanges.incrementAndGet();
      }
    }
    processes.awaitReady(fresh, READY);
    if (zone != null) {
      List<HaDemoProcesses.ControlPlane> now = new ArrayList<>(others);
      now.add(fresh);
      await(old.name() + "'s zone leader holding KDS")
          .atMost(READY)
          .pollInterval(POLL)
          .until(
              () -> {
                HaDemoProcesses.ControlPlane leader = HaDemo.awaitLeader(now);
                return json(leader.api(), "/status/global").path("connected").asBoolean();
              });
    }
    log.info(
        "restarted {} (led: {}) in {} ms", old.name(), led, (System.nanoTime() - t0) / 1_000_000);
    return fresh;
  }

  /**
   * Policies and meshes on global, dataplanes and ingresses of each zone on global and the zone.
   */
  private static Map<String, Integer> counts(
      List<HaDemoProcesses.ControlPlane> globals, List<HaDemo.Zone> zones) {
    String g = globals.get(0).api();
    Map<String, Integer> counts = new TreeMap<>();
    counts.put("global meshes", json(g, "/meshes").path("total").asInt(-1));
    for (String policy : List.of("traffic-routes", "traffic-permissions")) {
      counts.put("global " + policy, json(g, "/meshes/default/" + policy).path("total").asInt(-1));
    }
    JsonNode globalDps = json(g, "/meshes/default/dataplanes").path("items");
    JsonNode globalIngresses = json(g, "/zoneingresses").path("items");
    for (HaDemo.Zone z : zones) {
      counts.put("global dataplanes of " + z.name(), inZone(globalDps, z.name()));
      counts.put("global zone ingresses of " + z.name(), inZone(globalIngresses, z.name()));
      for (HaDemoProcesses.ControlPlane r : z.replicas()) {
        counts.put(
            r.name() + " dataplanes",
            json(r.api(), "/meshes/default/dataplanes").path("total").asInt(-1));
      }
    }
    return counts;
  }

  private static boolean synced(Map<String, Integer> counts, List<HaDemo.Zone> zones) {
    for (HaDemo.Zone z : zones) {
      int onZone = counts.get(z.replicas().get(0).name() + " dataplanes");
      if (onZone <= 0 || counts.get("global dataplanes of " + z.name()) != onZone) {
        return false;
      }
    }
    return !counts.containsValue(-1);
  }

  private static int inZone(JsonNode items, String zone) {
    int n = 0;
    for (JsonNode item : items) {
      if (zone.equals(item.path("labels").path("kuma.io/zone").asText())) {
        n++;
      }
    }
    return n;
  }

  /** Open subscriptions (no disconnect time) of insights whose instance was stopped. */
  private static List<String> openFrom(
      List<HaDemoProcesses.ControlPlane> globals,
      List<HaDemo.Zone> zones,
      Set<String> stopped,
      List<String> live) {
    List<String> open = new ArrayList<>();
    collectOpen(
        json(globals.get(0).api(), "/zones+insights"),
        "globalInstanceId",
        stopped,
        "ZoneInsight",
        open,
        live);
    for (HaDemo.Zone z : zones) {
      HaDemoProcesses.ControlPlane r = z.replicas().get(0);
      collectOpen(
          json(r.api(), "/meshes/default/dataplanes+insights"),
          "controlPlaneInstanceId",
          stopped,
          "DataplaneInsight on " + z.name(),
          open,
          live);
      collectOpen(
          json(r.api(), "/zoneingresses+insights"),
          "controlPlaneInstanceId",
          stopped,
          "ZoneIngressInsight on " + z.name(),
          open,
          live);
    }
    return open;
  }

  /** Adds open subscriptions to {@code open} when from a stopped instance, else to {@code live}. */
  private static void collectOpen(
      JsonNode node,
      String idField,
      Set<String> stopped,
      String what,
      List<String> open,
      List<String> live) {
    if (node.isObject()) {
      if (node.has(idField)
          && !blank(node.path("connectTime"))
          && blank(node.path("disconnectTime"))) {
        (stopped.contains(node.path(idField).asText()) ? open : live).add(what + ": " + node);
      }
      node.fields()
          .forEachRemaining(e -> collectOpen(e.getValue(), idField, stopped, what, open, live));
    } else if (node.isArray()) {
      node.forEach(e -> collectOpen(e, idField, stopped, what, open, live));
    }
  }

  private static boolean blank(JsonNode n) {
    return n.isMissingNode() || n.isNull() || n.asText().isEmpty();
  }

  private static JsonNode json(String api, String path) {
    String body = DemoCommand.body(api, path);
    try {
      return body.isEmpty() ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }

  /** ~10 requests a second through the client's outbound until closed. */
  private static final class Traffic implements AutoCloseable {
    final AtomicInteger total = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();

    Traffic(TrafficProbe probe) {
      executor.scheduleAtFixedRate(
          () -> {
            String zone = probe.once();
            total.incrementAndGet();
            if (zone == null) {
              failed.incrementAndGet();
              log.info("request {} failed", total.get());
            }
          },
          0,
          100,
          TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws InterruptedException {
      executor.shutdownNow();
      executor.awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}

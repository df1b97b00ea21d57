package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.testing.FreePorts;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leading global replica killed with SIGKILL under write load, on a 3-member etcd: replicas A
 * and B started at once (A is whichever wins the election), zone-1 and zone-2 dialling both ({@code
 * --global-address} lists A first, so both zones' KDS streams are on A). Two clients write 500
 * TrafficPermissions each, one through A and one through B; at the 300th write A is killed.
 *
 * <ul>
 *   <li>B leads within 5 s of the kill ({@code HA-FIGURE global-leader-change-ms}, from B's log),
 *       with a 3 s session lease ({@code ha-lease-ttl}; the default 5 s gives 4.3–5.3 s);
 *   <li>each zone moves to B: its {@code /status/global} is connected to B's address ({@code
 *       HA-FIGURE zone-moves-to-live-global-ms}, from the kill, bounded by 10 s) and B's overview
 *       of the zone shows an open subscription of B;
 *   <li>every write answered 2xx is on B and in both zones afterwards, and a write on B after the
 *       move reaches both zones;
 *   <li>the zone-owned resources global holds never drop (polled every 50 ms): no zone removes
 *       anything because a replica died.
 * </ul>
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class GlobalLeaderKillIT {
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final int PER_CLIENT = 500;
  private static final int KILL_AT = 300;

  @TempDir Path dir;
  private Federation f;
  @RegisterExtension final LogsOnFailure logs = new LogsOnFailure(() -> f);
  private GlobalReplica replica;
  private final ExecutorService pool = Executors.newFixedThreadPool(2);
  private final ScheduledExecutorService polls = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() throws Exception {
    GlobalReplica.keepLogs(dir, "GlobalLeaderKillIT");
    pool.shutdownNow();
    polls.shutdownNow();
    if (replica != null) {
      replica.close();
    }
    if (f != null) {
      f.close();
    }
  }

  @Test
  void theLeaderDiesUnderLoadAndTheOtherReplicaTakesOverWithoutLosingAWrite() throws Exception {
    f =
        new Federation(dir)
            .withEtcdCluster(3)
            .withTlsFiles()
            .withSharedSecretsKey()
            .withGlobalArgs("--ha-lease-ttl", "3")
            .startGlobal(false);
    GlobalReplica first = GlobalReplica.first(f);
    replica = GlobalReplica.launch(f, dir, "global-b");
    first.process().awaitReady(first.api, CONVERGE);
    replica.process().awaitReady(replica.api, CONVERGE);
    await().atMost(CONVERGE).until(() -> first.leads() != replica.leads());
    GlobalReplica a = first.leads() ? first : replica;
    GlobalReplica b = a == first ? replica : first;
    String aId = a.instanceId();
    String bId = b.instanceId();
    List<Federation.Node> zones = startZonesOn(List.of(a, b), "zone-1", "zone-2");
    f.apply(b.api, "/meshes/default", "type: Mesh\nname: default\n");
    for (Federation.Node zone : zones) {
      int port = FreePorts.one();
      f.apply(
          zone.api,
          "/zone-ingresses/ingress-" + zone.name,
          MeshYaml.zoneIngress("ingress-" + zone.name, port, port + 1));
    }
    await().atMost(CONVERGE).until(() -> zoneOwned(b) == 2);
    for (Federation.Node zone : zones) {
      await("%s's KDS stream on the leader A".formatted(zone.name))
          .atMost(CONVERGE)
          .ignoreExceptions()
          .until(() -> dialled(zone, a) && streamOn(b, zone.name, aId));
    }

    // zone-owned resources on global, every 50 ms until the end
    List<Integer> owned = new CopyOnWriteArrayList<>();
    ScheduledFuture<?> watcher =
        polls.scheduleWithFixedDelay(
            () -> {
              try {
                owned.add(zoneOwned(b));
              } catch (RuntimeException e) {
                // B busy for a moment: the next poll counts
              }
            },
            0,
            50,
            TimeUnit.MILLISECONDS);

    AtomicInteger attempted = new AtomicInteger();
    Set<String> written = ConcurrentHashMap.newKeySet();
    AtomicInteger failed = new AtomicInteger();
    CompletableFuture<Long> killedAt = new CompletableFuture<>();
    List<CompletableFuture<Void>> clients = new ArrayList<>();
    for (GlobalReplica via : List.of(a, b)) {
      clients.add(
          CompletableFuture.runAsync(
              () -> {
                for (int i = 0; i < PER_CLIENT; i++) {
                  String name = via.name + "-tp-" + i;
                  if (attempted.incrementAndGet() == KILL_AT) {
                    try {
                      killedAt.complete(kill(a));
                    } catch (RuntimeException e) {
                      killedAt.completeExceptionally(e);
                    }
                  }
                  try {
                    HttpResponse<String> r =
                        f.put(
                            via.api,
                            "/meshes/default/traffic-permissions/" + name,
                            MeshYaml.trafficPermission(name, "'*'", "'*'"));
                    if (r.statusCode() / 100 == 2) {
                      written.add(name);
                    } else {
                      failed.incrementAndGet();
                    }
                  } catch (RuntimeException e) {
                    failed.incrementAndGet(); // A is gone: refused or cut off
                  }
                }
              },
              pool));
    }
    long killNanos = killedAt.get(120, TimeUnit.SECONDS);
    // each zone dials the next address of its list at once: B, which takes the zone's stream over
    for (Federation.Node zone : zones) {
      await("%s connected to B".formatted(zone.name))
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50))
          .ignoreExceptions()
          .until(() -> dialled(zone, b));
    }
    long zoneMoveMs = Duration.ofNanos(System.nanoTime() - killNanos).toMillis();
    System.out.println("HA-FIGURE zone-moves-to-live-global-ms=" + zoneMoveMs);
    for (Federation.Node zone : zones) {
      await("B's overview of %s shows B's open subscription".formatted(zone.name))
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .ignoreExceptions()
          .until(() -> streamOn(b, zone.name, bId));
    }
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(b::leads);
    // from the kill to B's own log line of its term (an HTTP poll under load adds its delay)
    long leaderChangeMs = Duration.between(killTime, termStart(b.logText())).toMillis();
    System.out.println("HA-FIGURE global-leader-change-ms=" + leaderChangeMs);
    CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    System.out.println(
        "HA-FIGURE global-leader-kill-writes-ok="
            + written.size()
            + " failed="
            + failed.get()
            + " of "
            + attempted.get());
    assertThat(ledWhenKilled).as("replica A led when it was killed").isTrue();
    assertThat(written.size()).isGreaterThan(PER_CLIENT); // all of B's, A's until the kill

    // every acknowledged write is on the survivor and in both zones
    Set<String> onGlobal = new HashSet<>(f.names(b.api, "/meshes/default/traffic-permissions"));
    assertThat(onGlobal).containsAll(written);
    for (Federation.Node zone : zones) {
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(
                          new HashSet<>(f.names(zone.api, "/meshes/default/traffic-permissions")))
                      .as("%s", zone.name)
                      .containsAll(written));
    }
    // a write on B after the zones moved reaches both
    f.apply(
        b.api,
        "/meshes/default/traffic-permissions/after-the-kill",
        MeshYaml.trafficPermission("after-the-kill", "'*'", "'*'"));
    for (Federation.Node zone : zones) {
      await("the write after the kill in %s".formatted(zone.name))
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> f.get(zone.api, "/meshes/default/traffic-permissions/after-the-kill") != null);
    }
    watcher.cancel(true);
    assertThat(owned).isNotEmpty().allMatch(n -> n == 2, "zone-owned resources on global = 2");
    assertThat(a.process().isAlive()).isFalse();
    // the 3 s session lease's expiry (up to 3 s after the last renewal) plus etcd's expiry check
    // and the election bound the takeover
    assertThat(leaderChangeMs).as("new leader after the kill, ms").isLessThanOrEqualTo(5000);
    assertThat(zoneMoveMs)
        .as("ms from the kill until both zones are connected to B")
        .isLessThanOrEqualTo(10_000);
  }

  /** Whether {@code zone}'s {@code /status/global} says it is connected to {@code replica}. */
  private boolean dialled(Federation.Node zone, GlobalReplica replica) {
    JsonNode s = f.get(zone.api, "/status/global");
    return s.path("connected").asBoolean()
        && s.path("globalAddress").asText().endsWith(":" + replica.kdsPort);
  }

  /**
   * Whether {@code on}'s overview of {@code zone} shows it online with an open subscription served
   * by the global instance {@code globalInstance}.
   */
  private boolean streamOn(GlobalReplica on, String zone, String globalInstance) {
    JsonNode insight = f.get(on.api, "/zones/" + zone + "/_overview").path("zoneInsight");
    for (JsonNode s : insight.path("subscriptions")) {
      boolean open = s.path("disconnectTime").isMissingNode() || s.path("disconnectTime").isNull();
      if (open && globalInstance.equals(s.path("globalInstanceId").asText())) {
        return true;
      }
    }
    return false;
  }

  private volatile boolean ledWhenKilled;
  private volatile java.time.LocalTime killTime;

  /** When the last term of role global began, by the replica's log clock (same host). */
  private static java.time.LocalTime termStart(String log) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "(?m)^(\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d) .*leading global: starting")
            .matcher(log);
    String last = null;
    while (m.find()) {
      last = m.group(1);
    }
    assertThat(last).as("B's log tells its term began").isNotNull();
    return java.time.LocalTime.parse(last);
  }

  private long kill(GlobalReplica a) {
    try {
      ledWhenKilled = a.leads();
      long at = System.nanoTime();
      killTime = java.time.LocalTime.now();
      a.process().kill();
      return at;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** ZoneIngresses global holds (each zone reported one). */
  private int zoneOwned(GlobalReplica on) {
    return f.names(on.api, "/zone-ingresses").size();
  }

  /** Starts zones {@code names} at once, each dialling {@code replicas} in this order. */
  private List<Federation.Node> startZonesOn(List<GlobalReplica> replicas, String... names) {
    String addresses =
        String.join(",", replicas.stream().map(r -> "grpcs://127.0.0.1:" + r.kdsPort).toList());
    List<Federation.Node> nodes = new ArrayList<>();
    for (String name : names) {
      nodes.add(f.startZoneAt(name, f.token(name), addresses, dir.resolve(name + "-data"), false));
    }
    for (Federation.Node node : nodes) {
      node.process.awaitReady(node.api, CONVERGE);
    }
    return nodes;
  }
}

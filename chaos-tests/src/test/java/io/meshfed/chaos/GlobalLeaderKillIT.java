package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
 * The leading global replica killed with SIGKILL under write load, on one etcd: replicas A (first,
 * so the leader) and B, zone-1 and zone-2 served by B (a zone dials one global address here). Two
 * clients write 500 TrafficPermissions each, one through A and one through B; at the 300th write A
 * is killed.
 *
 * <ul>
 *   <li>B leads within 5 s of the kill ({@code HA-FIGURE global-leader-change-ms}, from B's log),
 *       with a 3 s session lease ({@code ha-lease-ttl}; the default 5 s gives 4.3–5.3 s);
 *   <li>every write answered 2xx is on B and in both zones afterwards;
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
  private GlobalReplica b;
  private final ExecutorService pool = Executors.newFixedThreadPool(2);
  private final ScheduledExecutorService polls = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() throws Exception {
    GlobalReplica.keepLogs(dir, "GlobalLeaderKillIT");
    pool.shutdownNow();
    polls.shutdownNow();
    if (b != null) {
      b.close();
    }
    if (f != null) {
      f.close();
    }
  }

  @Test
  void theLeaderDiesUnderLoadAndTheOtherReplicaTakesOverWithoutLosingAWrite() throws Exception {
    f =
        new Federation(dir)
            .withEtcd()
            .withTlsFiles()
            .withGlobalArgs("--ha-lease-ttl", "3")
            .startGlobal();
    GlobalReplica a = GlobalReplica.first(f);
    b = GlobalReplica.start(f, dir, "global-b", CONVERGE);
    await().atMost(CONVERGE).until(() -> a.leads() && !b.leads());
    List<Federation.Node> zones = startZonesOn(b, "zone-1", "zone-2");
    f.apply(b.api, "/meshes/default", "type: Mesh\nname: default\n");
    for (Federation.Node zone : zones) {
      int port = FreePorts.one();
      f.apply(
          zone.api,
          "/zone-ingresses/ingress-" + zone.name,
          MeshYaml.zoneIngress("ingress-" + zone.name, port, port + 1));
    }
    await().atMost(CONVERGE).until(() -> zoneOwned(b) == 2);

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
    killedAt.get(120, TimeUnit.SECONDS);
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
    watcher.cancel(true);
    assertThat(owned).isNotEmpty().allMatch(n -> n == 2, "zone-owned resources on global = 2");
    assertThat(a.process().isAlive()).isFalse();
    // the 3 s session lease's expiry (up to 3 s after the last renewal) plus etcd's expiry check
    // and the election bound the takeover
    assertThat(leaderChangeMs).as("new leader after the kill, ms").isLessThanOrEqualTo(5000);
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

  private List<Federation.Node> startZonesOn(GlobalReplica on, String... names) {
    List<Federation.Node> nodes = new ArrayList<>();
    for (String name : names) {
      nodes.add(f.startZone(name, f.token(name), on.kdsPort, false));
    }
    for (Federation.Node node : nodes) {
      node.process.awaitReady(node.api, CONVERGE);
    }
    return nodes;
  }
}

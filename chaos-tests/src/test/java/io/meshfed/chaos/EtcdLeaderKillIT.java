package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.etcd.local.EtcdCluster;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.MeshfedProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, test 3: a 3-member etcd under two global replicas taking ~50 writes/s between them; the
 * etcd leader is killed with SIGKILL half-way. Each client may see 503/504 only inside one
 * contiguous window no longer than etcd's election timeout + 2 s, then 2xx again without any
 * process being restarted; every acknowledged write is readable on both replicas; the killed member
 * restarts on its data and catches up. Exactly one replica has {@code cp_leader{role="global"}} 1
 * in its {@code /metrics} before the kill and again once the cluster has recovered (the role may
 * have changed hands, but neither two leaders nor none), held for a second.
 */
@Timeout(180)
class EtcdLeaderKillIT {
  private static final int CLIENTS = 2;
  private static final Duration PERIOD = Duration.ofMillis(40); // 25 writes/s per client
  private static final int MAX_IN_FLIGHT = 4; // per client
  private static final Duration BEFORE_KILL = Duration.ofSeconds(6);
  private static final Duration AFTER_KILL = Duration.ofSeconds(9);
  private static final long WINDOW_BOUND_MS = EtcdCluster.ELECTION_TIMEOUT_MS + 2_000;

  @TempDir Path dir;

  private final PlainHttp plain = new PlainHttp();
  private final HttpClient http = plain.client;

  /** One write: which client, its name, when it was sent and answered, and the status. */
  private record Write(
      int client, String name, long sentNanos, long doneNanos, int status, String body) {
    boolean ok() {
      return status >= 200 && status < 300;
    }
  }

  @Test
  void writesFailOnlyInsideTheElectionAndEveryAcknowledgedWriteSurvives() throws Exception {
    try (EtcdCluster etcd = EtcdCluster.launch(3)) {
      List<String> apis = new ArrayList<>();
      List<MeshfedProcess> globals = new ArrayList<>();
      // replicas share the store, so they share the key that encrypts its secrets (the KDS CA)
      Path secretsKey = dir.resolve("secrets.key");
      byte[] key = new byte[32];
      new java.security.SecureRandom().nextBytes(key);
      java.nio.file.Files.writeString(secretsKey, Base64.getEncoder().encodeToString(key));
      try {
        for (int g = 0; g < CLIENTS; g++) {
          int apiPort = FreePorts.one();
          apis.add("http://127.0.0.1:" + apiPort);
          globals.add(
              MeshfedProcess.start(
                  dir.resolve("global-" + g + ".log"),
                  "global",
                  "run",
                  "--store",
                  "etcd",
                  "--etcd-endpoints",
                  etcd.endpoints(),
                  "--api-port",
                  String.valueOf(apiPort),
                  "--kds-port",
                  String.valueOf(FreePorts.one()),
                  "--mads-port",
                  String.valueOf(FreePorts.one()),
                  "--secrets-key-file",
                  secretsKey.toString(),
                  "--data-dir",
                  dir.resolve("global-" + g).toString()));
        }
        // started at once: a replica that loses the race to create the KDS CA in the store reads
        // the one that won
        for (int g = 0; g < CLIENTS; g++) {
          globals.get(g).awaitReady(apis.get(g));
        }
        List<Long> pids = globals.stream().map(MeshfedProcess::pid).toList();
        int mesh =
            plain.put(apis.get(0), "/meshes/default", "{\"type\":\"Mesh\",\"name\":\"default\"}");
        assertThat(mesh).isIn(200, 201);
        int leaderBefore = awaitOneGlobalLeader(apis, Duration.ZERO);
        say("global leader before the etcd leader kill: global-{}", leaderBefore);
        run(etcd, apis);
        int leaderAfter = awaitOneGlobalLeader(apis, Duration.ofSeconds(1));
        say("global leader after recovery: global-{}", leaderAfter);
        for (int g = 0; g < CLIENTS; g++) {
          assertThat(globals.get(g).isAlive()).as("global %s still runs", g).isTrue();
          assertThat(globals.get(g).pid()).isEqualTo(pids.get(g));
        }
      } finally {
        for (int g = 0; g < globals.size(); g++) {
          System.out.println(
              "===== global-" + g + " log tail\n" + tail(globals.get(g).logText(), 3000));
          globals.get(g).close();
        }
      }
    }
  }

  private void run(EtcdCluster etcd, List<String> apis) throws Exception {
    ConcurrentLinkedQueue<CompletableFuture<Write>> pending = new ConcurrentLinkedQueue<>();
    AtomicInteger seq = new AtomicInteger();
    ScheduledExecutorService senders = Executors.newScheduledThreadPool(CLIENTS);
    long start = System.nanoTime();
    AtomicInteger skipped = new AtomicInteger();
    for (int c = 0; c < CLIENTS; c++) {
      int client = c;
      AtomicInteger inFlight = new AtomicInteger();
      senders.scheduleAtFixedRate(
          () -> {
            // a client waits rather than queue: on a slow machine the test measures etcd's
            // failover, not a backlog of its own requests
            if (inFlight.get() >= MAX_IN_FLIGHT) {
              skipped.incrementAndGet();
              return;
            }
            inFlight.incrementAndGet();
            CompletableFuture<Write> w =
                write(client, apis.get(client), "c" + client + "-" + seq.incrementAndGet());
            w.whenComplete((r, e) -> inFlight.decrementAndGet());
            pending.add(w);
          },
          0,
          PERIOD.toMillis(),
          TimeUnit.MILLISECONDS);
    }
    int leader;
    long killedAt;
    try {
      await().pollDelay(BEFORE_KILL).atMost(BEFORE_KILL.plusSeconds(1)).until(() -> true);
      leader = etcd.awaitLeader(Duration.ofSeconds(5));
      killedAt = System.nanoTime();
      etcd.kill(leader);
      say("killed etcd leader m{} {} ms into the load", leader + 1, ms(killedAt - start));
      await().pollDelay(AFTER_KILL).atMost(AFTER_KILL.plusSeconds(1)).until(() -> true);
    } finally {
      senders.shutdown();
      assertThat(senders.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
    List<Write> writes = new ArrayList<>();
    for (CompletableFuture<Write> f : pending) {
      writes.add(f.get(30, TimeUnit.SECONDS));
    }
    writes.sort(Comparator.comparingLong(Write::sentNanos));
    long elapsed = ms(System.nanoTime() - start);
    say(
        "{} writes in {} ms, {} acknowledged, {} ticks skipped with {} writes in flight",
        writes.size(),
        elapsed,
        writes.stream().filter(Write::ok).count(),
        skipped.get(),
        MAX_IN_FLIGHT);
    say("HA-FIGURE etcd-leader-kill-write-rate-per-s={}", writes.size() * 1000L / elapsed);

    long worstWindow = 0;
    long lastAfterKill = 0;
    int failedTotal = 0;
    List<String> problems = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      int client = c;
      List<Write> mine = writes.stream().filter(w -> w.client() == client).toList();
      List<Write> failed = mine.stream().filter(w -> !w.ok()).toList();
      failedTotal += failed.size();
      List<Long> before =
          mine.stream()
              .filter(w -> w.sentNanos() < killedAt - TimeUnit.SECONDS.toNanos(1))
              .map(w -> ms(w.doneNanos() - w.sentNanos()))
              .sorted()
              .toList();
      say(
          "client {}: {} writes, latency before the kill p50 {} ms, p99 {} ms",
          client,
          mine.size(),
          before.isEmpty() ? -1 : before.get(before.size() / 2),
          before.isEmpty() ? -1 : before.get(before.size() * 99 / 100));
      if (failed.isEmpty()) {
        continue;
      }
      int first = mine.indexOf(failed.get(0));
      int last = mine.indexOf(failed.get(failed.size() - 1));
      List<String> okInside =
          mine.subList(first, last + 1).stream().filter(Write::ok).map(Write::name).toList();
      long window =
          ms(
              failed.stream().mapToLong(Write::doneNanos).max().getAsLong()
                  - failed.stream().mapToLong(Write::doneNanos).min().getAsLong());
      say(
          "client {}: {} failed, answered within {} ms of each other, the last {} ms after the"
              + " kill; 2xx sent between them: {}",
          client,
          failed.size(),
          window,
          ms(failed.stream().mapToLong(Write::doneNanos).max().getAsLong() - killedAt),
          okInside.size());
      for (Write w : failed) {
        say(
            "  {} {} sent {} ms after the kill, answered in {} ms: {}",
            w.name(),
            w.status(),
            ms(w.sentNanos() - killedAt),
            ms(w.doneNanos() - w.sentNanos()),
            w.body().replaceAll("\\s+", " "));
        if (w.status() != 503 && w.status() != 504) {
          problems.add(w.name() + " answered " + w.status() + ": " + w.body());
        }
      }
      if (!okInside.isEmpty()) {
        problems.add("client " + client + ": 2xx between its failures: " + okInside);
      }
      worstWindow = Math.max(worstWindow, window);
      lastAfterKill =
          Math.max(
              lastAfterKill,
              ms(failed.stream().mapToLong(Write::doneNanos).max().getAsLong() - killedAt));
    }
    say("HA-FIGURE etcd-leader-kill-503-window-ms={}", worstWindow);
    say("HA-FIGURE etcd-leader-kill-failed-writes={}", failedTotal);
    say("HA-FIGURE etcd-leader-kill-last-failure-after-kill-ms={}", lastAfterKill);
    long slowest =
        writes.stream()
            .filter(w -> Math.abs(w.sentNanos() - killedAt) < TimeUnit.SECONDS.toNanos(3))
            .mapToLong(w -> ms(w.doneNanos() - w.sentNanos()))
            .max()
            .orElse(0);
    say("HA-FIGURE etcd-leader-kill-slowest-write-ms={}", slowest);
    assertThat(problems).as("failures other than one 503/504 window per client").isEmpty();
    assertThat(worstWindow)
        .as("longest per-client 503/504 window")
        .isLessThanOrEqualTo(WINDOW_BOUND_MS);

    long recovered = killedAt + TimeUnit.MILLISECONDS.toNanos(WINDOW_BOUND_MS + 2_000);
    List<Write> late = writes.stream().filter(w -> w.sentNanos() > recovered).toList();
    assertThat(late).as("writes sent after the window").hasSizeGreaterThan(50);
    assertThat(late.stream().filter(w -> !w.ok()).map(w -> w.name() + "=" + w.status()))
        .as("writes sent after the window all succeed, no process restarted")
        .isEmpty();

    for (Write w : writes) {
      if (w.ok()) {
        for (String api : apis) {
          int status = get(api, "/meshes/default/traffic-permissions/" + w.name());
          assertThat(status).as("acknowledged %s read back from %s", w.name(), api).isEqualTo(200);
        }
      }
    }

    etcd.restart(leader);
    String lastOk =
        writes.stream().filter(Write::ok).reduce((a, b) -> b).map(Write::name).orElseThrow();
    await("restarted etcd member m" + (leader + 1) + " holds the last acknowledged write")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> localRead(etcd, leader, "/meshfed/r/TrafficPermission/default/" + lastOk));
    assertThat(etcd.awaitLeader(Duration.ofSeconds(10))).isBetween(0, 2);
  }

  private static final java.util.regex.Pattern GLOBAL_LEADER_GAUGE =
      java.util.regex.Pattern.compile("(?m)^cp_leader\\{[^}]*role=\"global\"[^}]*\\} ([0-9.]+)$");

  /**
   * Waits (at most 20 s) until exactly one replica's {@code /metrics} has {@code
   * cp_leader{role="global"}} 1 and every other one has it 0, and this holds for {@code hold}
   * (every 100 ms); returns the index of that replica. Fails naming every replica's gauge.
   */
  private int awaitOneGlobalLeader(List<String> apis, Duration hold) {
    List<List<Double>> seen = new ArrayList<>();
    org.awaitility.core.ConditionFactory until =
        await("exactly one cp_leader{role=\"global\"} == 1 across " + apis)
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(100));
    (hold.isZero() ? until : until.during(hold))
        .untilAsserted(
            () -> {
              List<Double> gauges = new ArrayList<>();
              for (String api : apis) {
                gauges.add(globalLeaderGauge(api));
              }
              seen.add(gauges);
              assertThat(gauges)
                  .as("cp_leader{role=\"global\"} of %s", apis)
                  .containsOnly(0.0, 1.0)
                  .filteredOn(g -> g == 1.0)
                  .hasSize(1);
            });
    return seen.get(seen.size() - 1).indexOf(1.0);
  }

  /** The {@code cp_leader{role="global"}} gauge in {@code api}'s {@code /metrics}. */
  private double globalLeaderGauge(String api) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(api + "/metrics"))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET %s/metrics", api).isEqualTo(200);
    java.util.regex.Matcher m = GLOBAL_LEADER_GAUGE.matcher(r.body());
    assertThat(m.find()).as("cp_leader{role=\"global\"} in %s/metrics", api).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private CompletableFuture<Write> write(int client, String api, String name) {
    long sent = System.nanoTime();
    return http.sendAsync(
            HttpRequest.newBuilder(URI.create(api + "/meshes/default/traffic-permissions/" + name))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(permission(name)))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .handle(
            (r, e) ->
                e == null
                    ? new Write(client, name, sent, System.nanoTime(), r.statusCode(), r.body())
                    : new Write(client, name, sent, System.nanoTime(), -1, e.toString()));
  }

  /** Whether member {@code index} has {@code key} in its own copy (a serializable read). */
  private boolean localRead(EtcdCluster etcd, int index, String key) throws Exception {
    String b64 = Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(etcd.member(index).clientUrl() + "/v3/kv/range"))
                .timeout(Duration.ofSeconds(2))
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"key\":\"" + b64 + "\",\"serializable\":true,\"count_only\":true}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 && r.body().contains("\"count\":\"1\"");
  }

  private static String permission(String name) {
    return "{\"type\":\"TrafficPermission\",\"mesh\":\"default\",\"name\":\""
        + name
        + "\",\"sources\":[{\"match\":{\"kuma.io/service\":\"*\"}}],"
        + "\"destinations\":[{\"match\":{\"kuma.io/service\":\"backend\"}}]}";
  }

  private int get(String api, String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  /** Prints one line to the test output ({@code {}} placeholders as in SLF4J). */
  private static void say(String format, Object... args) {
    StringBuilder out = new StringBuilder("EtcdLeaderKillIT: ");
    int from = 0;
    for (Object arg : args) {
      int at = format.indexOf("{}", from);
      if (at < 0) {
        break;
      }
      out.append(format, from, at).append(arg);
      from = at + 2;
    }
    out.append(format.substring(from));
    System.out.println(out);
  }

  private static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  private static String tail(String text, int chars) {
    return text.length() <= chars ? text : text.substring(text.length() - chars);
  }
}

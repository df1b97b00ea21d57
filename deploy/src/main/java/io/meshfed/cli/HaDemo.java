package io.meshfed.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.etcd.local.EtcdCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code meshfed demo --ha}: the multi-zone demo on replicas. A 3-member etcd on loopback holds
 * global's store (prefix {@code /meshfed}) and each zone's store (prefix {@code /meshfed-zone-N}):
 * one cluster keeps the demo to three etcd processes on a laptop, and the prefixes keep the stores
 * apart as separate clusters would. Three global replicas and two replicas of zone-1 and zone-2 run
 * as separate processes; every Envoy knows every replica of its zone. With mTLS, the mesh's
 * allow-all permission and a 50/50 TrafficRoute split, the demo measures the distribution, then
 * kills -9 the global leader and then zone-1's leader while requests keep going, and prints for
 * each switch how long the new leader took and how many requests failed meanwhile.
 */
final class HaDemo {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration READY = Duration.ofSeconds(120);
  private static final Duration POLL = Duration.ofMillis(50);
  private static final String[] ZONES = {"zone-1", "zone-2"};

  private final int requests;
  private final String envoyBinary;
  private final boolean keepRunning;
  private final List<AutoCloseable> running = Collections.synchronizedList(new ArrayList<>());
  private final List<List<String>> rows = new ArrayList<>();
  private final AtomicBoolean stopped = new AtomicBoolean();

  HaDemo(int requests, String envoyBinary, boolean keepRunning) {
    this.requests = requests;
    this.envoyBinary = envoyBinary;
    this.keepRunning = keepRunning;
  }

  /** A zone's replicas: their processes and xDS ports, in start order. */
  record Zone(String name, List<HaDemoProcesses.ControlPlane> replicas, List<Integer> xds) {}

  int run() throws Exception {
    DemoSteps.quietLogs();
    Path dataDir = Files.createTempDirectory("meshfed-demo-ha-");
    System.out.println("meshfed demo --ha: working directory " + dataDir);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stopAll(dataDir), "demo-ha-stop"));
    try {
      HaDemoProcesses processes = HaDemoProcesses.ofThisJar(dataDir);
      running.add(processes);

      Setup setup = setUp(dataDir, processes, envoyBinary, running);
      List<HaDemoProcesses.ControlPlane> globals = setup.globals();
      List<Zone> zones = setup.zones();
      TrafficProbe probe = setup.probe();
      measure("split 50/50", send(probe, "split 50/50", 2 * requests));
      Set<String> stoppedIds = ConcurrentHashMap.newKeySet();

      DemoSteps.step("7. kill -9 of the global leader while the client keeps sending requests");
      HaDemoProcesses.ControlPlane globalLeader = awaitLeader(globals);
      List<HaDemoProcesses.ControlPlane> otherGlobals = new ArrayList<>(globals);
      otherGlobals.remove(globalLeader);
      stoppedIds.add(instanceId(globalLeader));
      Switch global = killAndSend(probe, globalLeader, otherGlobals);
      measure(
          "global leader killed ("
              + global.leader().name()
              + " leads after "
              + seconds(global)
              + ")",
          global.during());
      System.out.println("HA-FIGURE demo-global-leader-change-ms=" + global.took().toMillis());

      DemoSteps.step("8. kill -9 of zone-1's leader while the client keeps sending requests");
      List<HaDemoProcesses.ControlPlane> zone1 = zones.get(0).replicas();
      HaDemoProcesses.ControlPlane zoneLeader = awaitLeader(zone1);
      List<HaDemoProcesses.ControlPlane> otherZone1 = new ArrayList<>(zone1);
      otherZone1.remove(zoneLeader);
      stoppedIds.add(instanceId(zoneLeader));
      Switch zone = killAndSend(probe, zoneLeader, otherZone1);
      measure(
          "zone-1 leader killed (" + zone.leader().name() + " leads after " + seconds(zone) + ")",
          zone.during());
      System.out.println("HA-FIGURE demo-zone-leader-change-ms=" + zone.took().toMillis());
      String survivor = zone.leader().api();
      DemoSteps.await(
          zone.leader().name() + " holding zone-1's KDS connection",
          () -> DemoSteps.body(survivor, "/status/global").contains("\"connected\":true"));
      measure(
          "split 50/50 after both kills",
          send(probe, "split 50/50 after both kills", 2 * requests));
      printRoles(globals);
      printRoles(zone1);

      HaDemoRollingRestart.Result restart = rollingRestart(processes, probe, setup, stoppedIds);
      globals = restart.globals();
      zones = restart.zones();

      if (keepRunning) {
        System.out.println();
        System.out.println("Everything keeps running. Try:");
        for (HaDemoProcesses.ControlPlane g : globals) {
          System.out.println("  curl -s " + g.api() + "/   # " + g.name() + ": leader?");
        }
        System.out.println("  ./meshfed inspect zones --api " + globals.get(0).api());
        System.out.println(
            "  ./meshfed inspect dataplanes --api "
                + zones.get(0).replicas().get(0).api()
                + "   # zone-1");
        System.out.println("Stop it with Ctrl-C.");
        new CountDownLatch(1).await();
      } else {
        DemoSteps.step(
            "Done: the Envoys, control planes and etcd stop now (--keep-running leaves them up).");
      }
      return 0;
    } finally {
      if (!keepRunning) {
        stopAll(dataDir);
      }
    }
  }

  /**
   * Step 9: waits until global holds every zone's dataplanes, restarts every replica (the killed
   * ones are only started) under traffic, prints the row of the restart, the requests that failed,
   * and the resource counts and open subscriptions before and after.
   */
  private HaDemoRollingRestart.Result rollingRestart(
      HaDemoProcesses processes, TrafficProbe probe, Setup setup, Set<String> stoppedIds)
      throws Exception {
    DemoSteps.step(
        "9. Rolling restart: every replica stopped with SIGTERM (the killed ones are only started)"
            + " and started again with the same flags, one replica of a role at a time (global,"
            + " zone-1 and zone-2 go at the same time), while the client sends ~10 requests a"
            + " second");
    List<HaDemoProcesses.ControlPlane> liveGlobals =
        setup.globals().stream().filter(g -> g.process().isAlive()).toList();
    List<Zone> liveZones = new ArrayList<>();
    for (Zone z : setup.zones()) {
      liveZones.add(
          new Zone(
              z.name(),
              z.replicas().stream().filter(r -> r.process().isAlive()).toList(),
              z.xds()));
    }
    DemoSteps.await(
        "global to hold every zone's dataplanes",
        () -> HaDemoState.synced(HaDemoState.counts(liveGlobals, liveZones), liveZones));
    Map<String, Integer> before = HaDemoState.counts(liveGlobals, liveZones);
    System.out.println("resources before: " + before);
    HaDemoRollingRestart.Result r =
        new HaDemoRollingRestart(processes, stoppedIds).run(probe, setup.globals(), setup.zones());
    measure("rolling restart of 7 replicas", r.traffic());
    r.failures().forEach(f -> System.out.println("  failed: " + f));
    Map<String, Integer> after = HaDemoState.counts(r.globals(), r.zones());
    long deadline = System.nanoTime() + DemoSteps.WAIT.toNanos();
    while (!after.equals(before) && System.nanoTime() < deadline) {
      Thread.sleep(POLL.toMillis() * 4);
      after = HaDemoState.counts(r.globals(), r.zones());
    }
    System.out.println("resources after: " + after);
    long sweep = System.nanoTime();
    HaDemoState.Subscriptions subs = HaDemoState.subscriptions(r.globals(), r.zones(), stoppedIds);
    while (!(subs.fromStopped().isEmpty() && subs.live().equals(EXPECTED_SUBSCRIPTIONS))
        && System.nanoTime() < deadline + DemoSteps.WAIT.toNanos()) {
      Thread.sleep(POLL.toMillis() * 5);
      subs = HaDemoState.subscriptions(r.globals(), r.zones(), stoppedIds);
    }
    System.out.printf(
        Locale.ROOT,
        "open subscriptions from stopped instances: %d after %.1f s; from live ones: %s%n",
        subs.fromStopped().size(),
        (System.nanoTime() - sweep) / 1e9,
        subs.liveText());
    subs.fromStopped().forEach(s -> System.out.println("  still open: " + s));
    System.out.println("HA-FIGURE rolling-restart-ms=" + r.took().toMillis());
    System.out.println("HA-FIGURE rolling-restart-failed-requests=" + r.traffic().failed());
    System.out.println("HA-FIGURE rolling-restart-total-requests=" + r.traffic().total());
    r.handoverMs()
        .forEach(
            (role, ms) ->
                System.out.println(
                    "HA-FIGURE rolling-restart-" + role + "-leader-handover-max-ms=" + ms));
    if (!after.equals(before)) {
      throw new CliException(
          "the rolling restart changed the resource counts: before " + before + ", after " + after);
    }
    if (!subs.fromStopped().isEmpty()) {
      throw new CliException(
          subs.fromStopped().size() + " subscriptions of stopped instances are still open");
    }
    return r;
  }

  /** Open subscriptions of the demo's data plane: each zone, each dataplane and ingress. */
  private static final Map<String, Integer> EXPECTED_SUBSCRIPTIONS =
      Map.of(
          "ZoneInsight", 2,
          "DataplaneInsight on zone-1", 2,
          "DataplaneInsight on zone-2", 1,
          "ZoneIngressInsight on zone-1", 1,
          "ZoneIngressInsight on zone-2", 1);

  private static String instanceId(HaDemoProcesses.ControlPlane cp) {
    return HaDemoState.json(cp.api(), "/").path("instanceId").asText();
  }

  /** {@code n} requests one after another; prints why each failed one failed. */
  static TrafficProbe.Distribution send(TrafficProbe probe, String label, int n) {
    Map<String, Integer> byZone = new TreeMap<>();
    int failed = 0;
    long start = System.nanoTime();
    for (int i = 1; i <= n; i++) {
      TrafficProbe.Answer a = probe.ask();
      if (a.ok()) {
        byZone.merge(a.zone(), 1, Integer::sum);
      } else {
        failed++;
        System.out.printf(
            Locale.ROOT,
            "  failed (%s): request %d at +%.2f s: %s%n",
            label,
            i,
            (System.nanoTime() - start) / 1e9,
            a.failure());
      }
    }
    return new TrafficProbe.Distribution(byZone, failed, n);
  }

  /** The federation steps 1 to 6 set up: its processes and a probe of the client's outbound. */
  record Setup(
      EtcdCluster etcd,
      List<HaDemoProcesses.ControlPlane> globals,
      List<Zone> zones,
      TrafficProbe probe) {}

  /**
   * Steps 1 to 6: the etcd cluster, the global and zone replicas, the mesh, the data plane and the
   * 50/50 split, answering from both zones; what it starts is added to {@code running}.
   */
  static Setup setUp(
      Path dataDir, HaDemoProcesses processes, String envoyBinary, List<AutoCloseable> running)
      throws Exception {
    DemoSteps.step("1. A 3-member etcd cluster on loopback");
    EtcdCluster etcd = EtcdCluster.launch(3);
    running.add(etcd);
    System.out.println("etcd cluster: " + etcd.endpoints() + " (data in " + etcd.directory() + ")");

    DemoSteps.step(
        "2. Three global replicas on etcd (one KDS certificate, one secrets key), each its own"
            + " process; one of them leads");
    Path tls = dataDir.resolve("tls");
    DemoSteps.cli(
        "generate", "tls-certificate", "--out-dir", tls.toString(), "--hostname", "127.0.0.1");
    List<HaDemoProcesses.ControlPlane> globals = new ArrayList<>();
    List<String> kdsAddresses = new ArrayList<>();
    Path globalKey = secretsKey(dataDir, "global");
    for (int i = 1; i <= 3; i++) {
      int api = DemoSteps.freePort();
      int kds = DemoSteps.freePort();
      kdsAddresses.add("grpcs://127.0.0.1:" + kds);
      String name = "global-" + i;
      globals.add(
          processes.start(
              name,
              api,
              List.of(
                  "global",
                  "run",
                  "--api-port",
                  String.valueOf(api),
                  "--kds-port",
                  String.valueOf(kds),
                  "--mads-port",
                  String.valueOf(DemoSteps.freePort()),
                  "--data-dir",
                  dataDir.resolve(name).toString(),
                  "--store",
                  "etcd",
                  "--etcd-endpoints",
                  etcd.endpoints(),
                  "--kds-tls-cert-file",
                  tls.resolve("tls.crt").toString(),
                  "--kds-tls-key-file",
                  tls.resolve("tls.key").toString(),
                  "--secrets-key-file",
                  globalKey.toString())));
    }
    for (HaDemoProcesses.ControlPlane g : globals) {
      processes.awaitReady(g, READY);
    }
    String api = awaitLeader(globals).api();
    printRoles(globals);

    DemoSteps.step(
        "3. Two replicas of each zone on its own etcd prefix; each dials the first live global"
            + " replica of the three, only the zone's leader holds its KDS connection");
    List<Zone> zones = new ArrayList<>();
    for (String zone : ZONES) {
      zones.add(startZone(processes, dataDir, etcd, zone, api, kdsAddresses, tls));
    }
    for (Zone z : zones) {
      for (HaDemoProcesses.ControlPlane r : z.replicas()) {
        processes.awaitReady(r, READY);
      }
      printRoles(z.replicas());
    }
    DemoSteps.await(
        "both zones online on global",
        () -> DemoSteps.body(api, "/status/zones").split("\"active\":true", -1).length == 3);
    DemoSteps.cli("inspect", "zones", "--api", api);

    DemoSteps.step(
        "4. On global: the mesh with mTLS on (its default allow-all TrafficPermission allows"
            + " every service)");
    DemoSteps.apply(dataDir, "demo-mesh-mtls.yaml", api);
    for (Zone z : zones) {
      for (HaDemoProcesses.ControlPlane r : z.replicas()) {
        DemoSteps.await(
            "the mesh on " + r.name(), () -> !DemoSteps.body(r.api(), "/meshes/default").isEmpty());
      }
    }

    DemoSteps.step(
        "5. Data plane: a zone ingress per zone, backend in both zones, a client sidecar in"
            + " zone-1; every Envoy is given the API and xDS addresses of both replicas of its"
            + " zone");
    HaDemoDataPlane.Client client =
        HaDemoDataPlane.start(dataDir, envoyBinary, zones.get(0), zones.get(1), running);
    TrafficProbe probe = client.probe();
    DemoSteps.await(
        "backend answering the client (the mesh's default route: either zone)",
        () -> probe.send(5).failed() == 0);

    DemoSteps.step("6. On global: the TrafficRoute splits backend traffic 50/50 between the zones");
    DemoSteps.apply(dataDir, "demo-route-split.yaml", api);
    // the mesh's default route answers from both zones too: wait until the client's Envoy holds
    // the split's route and clusters, not for answers from both zones alone
    DemoSteps.await(
        "the client's Envoy routing by the split",
        () -> HaDemoDataPlane.splitActive(client.adminPort()));
    DemoSteps.await(
        "the 50/50 split",
        () -> {
          TrafficProbe.Distribution d = probe.send(10);
          return d.failed() == 0 && d.answered("zone-1") > 0 && d.answered("zone-2") > 0;
        });
    return new Setup(etcd, globals, zones, probe);
  }

  /** What a leader switch showed: the new leader, how long it took, the requests meanwhile. */
  private record Switch(
      HaDemoProcesses.ControlPlane leader, Duration took, TrafficProbe.Distribution during) {}

  /**
   * Kills {@code leader} with SIGKILL and sends requests one after another until one of {@code
   * others} says it leads and at least 2N requests were sent.
   */
  private Switch killAndSend(
      TrafficProbe probe,
      HaDemoProcesses.ControlPlane leader,
      List<HaDemoProcesses.ControlPlane> others)
      throws Exception {
    System.out.println("kill -9 " + leader.name() + " (pid " + leader.process().pid() + ")");
    long killedAt = System.nanoTime();
    leader.kill();
    CompletableFuture<HaDemoProcesses.ControlPlane> next =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return awaitLeader(others);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException("interrupted while waiting for a new leader");
              }
            });
    Map<String, Integer> byZone = new TreeMap<>();
    int failed = 0;
    int sent = 0;
    Duration took = null;
    long deadline = killedAt + DemoSteps.WAIT.toNanos();
    while (sent < 2 * requests || took == null) {
      if (took == null && next.isDone()) {
        next.join();
        took = Duration.ofNanos(System.nanoTime() - killedAt);
      }
      if (System.nanoTime() > deadline) {
        throw new CliException(
            "no new leader among "
                + names(others)
                + " "
                + DemoSteps.WAIT.toSeconds()
                + "s after killing "
                + leader.name());
      }
      TrafficProbe.Answer answer = probe.ask();
      sent++;
      if (answer.ok()) {
        byZone.merge(answer.zone(), 1, Integer::sum);
      } else {
        failed++;
        System.out.printf(
            Locale.ROOT,
            "  failed (kill of %s): request %d at +%.2f s: %s%n",
            leader.name(),
            sent,
            (System.nanoTime() - killedAt) / 1e9,
            answer.failure());
      }
    }
    // the moment the new leader answered, not when the request loop noticed
    return new Switch(next.join(), took, new TrafficProbe.Distribution(byZone, failed, sent));
  }

  /** The one of {@code replicas} whose {@code GET /} says it leads, polled every 50 ms. */
  static HaDemoProcesses.ControlPlane awaitLeader(List<HaDemoProcesses.ControlPlane> replicas)
      throws InterruptedException {
    long deadline = System.nanoTime() + DemoSteps.WAIT.toNanos();
    while (true) {
      for (HaDemoProcesses.ControlPlane r : replicas) {
        if (r.process().isAlive() && leads(r)) {
          return r;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new CliException(
            "none of " + names(replicas) + " leads after " + DemoSteps.WAIT.toSeconds() + "s");
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  static boolean leads(HaDemoProcesses.ControlPlane r) {
    String body = DemoSteps.body(r.api(), "/");
    try {
      return !body.isEmpty() && JSON.readTree(body).path("leader").asBoolean();
    } catch (IOException e) {
      return false;
    }
  }

  private static void printRoles(List<HaDemoProcesses.ControlPlane> replicas) {
    for (HaDemoProcesses.ControlPlane r : replicas) {
      String role = !r.process().isAlive() ? "killed" : leads(r) ? "leader" : "follower";
      System.out.printf(Locale.ROOT, "  %-10s %-8s %s%n", r.name(), role, r.api());
    }
  }

  private static String names(List<HaDemoProcesses.ControlPlane> replicas) {
    return replicas.stream().map(HaDemoProcesses.ControlPlane::name).toList().toString();
  }

  private static String seconds(Switch s) {
    return String.format(Locale.ROOT, "%.1f s", s.took().toMillis() / 1000.0);
  }

  /** Starts replicas a and b of {@code zone}, sharing its etcd prefix and secrets key. */
  private static Zone startZone(
      HaDemoProcesses processes,
      Path dataDir,
      EtcdCluster etcd,
      String zone,
      String globalApi,
      List<String> kdsAddresses,
      Path tls)
      throws Exception {
    Path token = dataDir.resolve(zone + ".token");
    Files.writeString(token, zoneToken(globalApi, zone));
    Path key = secretsKey(dataDir, zone);
    List<HaDemoProcesses.ControlPlane> replicas = new ArrayList<>();
    List<Integer> xdsPorts = new ArrayList<>();
    for (String replica : List.of("a", "b")) {
      String name = zone + "-" + replica;
      int api = DemoSteps.freePort();
      int xds = DemoSteps.freePort();
      xdsPorts.add(xds);
      replicas.add(
          processes.start(
              name,
              api,
              List.of(
                  "zone",
                  "run",
                  "--zone",
                  zone,
                  "--global-address",
                  String.join(",", kdsAddresses),
                  "--zone-token-file",
                  token.toString(),
                  "--ca-file",
                  tls.resolve("ca.crt").toString(),
                  "--api-port",
                  String.valueOf(api),
                  "--xds-port",
                  String.valueOf(xds),
                  "--mads-port",
                  String.valueOf(DemoSteps.freePort()),
                  "--data-dir",
                  dataDir.resolve(name).toString(),
                  "--store",
                  "etcd",
                  "--etcd-endpoints",
                  etcd.endpoints(),
                  "--etcd-prefix",
                  "/meshfed-" + zone,
                  "--secrets-key-file",
                  key.toString(),
                  "--kds-reconnect-delay",
                  "200ms",
                  "--kds-reconnect-max-delay",
                  "2s")));
    }
    return new Zone(zone, replicas, xdsPorts);
  }

  /** A new secrets key shared by the replicas of one store: 32 random bytes, base64. */
  private static Path secretsKey(Path dataDir, String store) throws IOException {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Path file = dataDir.resolve(store + "-secrets.key");
    Files.writeString(file, Base64.getEncoder().encodeToString(key));
    return file;
  }

  /** A zone token from global's API, as {@code meshfed generate zone-token} asks for one. */
  private static String zoneToken(String globalApi, String zone) throws Exception {
    HttpResponse<String> r =
        java.net.http.HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(globalApi + "/tokens/zone"))
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"zone\": \"" + zone + "\", \"validFor\": \"24h\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new CliException(
          "global at " + globalApi + " did not issue a zone token for " + zone + ": " + r.body());
    }
    return r.body().strip();
  }

  /** Records a row and prints the table so far. */
  private void measure(String label, TrafficProbe.Distribution d) {
    rows.add(
        List.of(
            label,
            String.valueOf(d.total()),
            DemoSteps.cell(d.answered("zone-1"), d.total()),
            DemoSteps.cell(d.answered("zone-2"), d.total()),
            DemoSteps.cell(d.failed(), d.total())));
    Table table = new Table(List.of("STEP", "REQUESTS", "ZONE-1", "ZONE-2", "FAILED"));
    rows.forEach(table::add);
    System.out.println();
    table.print(System.out);
  }

  /** Stops the Envoys, apps, control planes and etcd (once), then deletes the working directory. */
  private void stopAll(Path dataDir) {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    synchronized (running) {
      DemoSteps.closeNewestFirst(running);
    }
    DemoSteps.deleteQuietly(dataDir);
  }
}

package io.meshfed.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rolling restart of {@code meshfed demo --ha}: every replica of each role (global, each zone)
 * is stopped with SIGTERM and started again with the same flags, one replica of a role at a time
 * (the roles go at the same time), while the client sends about 10 requests a second. A replica
 * that is already gone (killed earlier in the demo) is only started. Before each stop it reads the
 * role's Prometheus meters {@code cp_leader{role}} and {@code cp_leader_changes_total{role}} of
 * every live replica; when the stopped one led, it waits until another live replica's {@code
 * cp_leader} is 1 and prints that replica's {@code cp_leader_changes_total} before and after.
 */
final class HaDemoRollingRestart {
  private static final Duration GRACE = Duration.ofSeconds(20);
  private static final Duration READY = Duration.ofSeconds(120);
  private static final long POLL_MS = 50;

  private final HaDemoProcesses processes;
  private final Set<String> stopped;
  private final Map<String, Long> handoverMs = new ConcurrentHashMap<>();

  /**
   * @param stopped instance ids of stopped control plane processes; the ones this restart stops are
   *     added
   */
  HaDemoRollingRestart(HaDemoProcesses processes, Set<String> stopped) {
    this.processes = processes;
    this.stopped = stopped;
  }

  /** A role's replicas, restarted one by one; {@code zone} is empty for global. */
  private record Role(String name, Optional<String> zone, List<HaDemoProcesses.ControlPlane> all) {}

  /** The replicas after the restart, the traffic meanwhile and what failed of it. */
  record Result(
      List<HaDemoProcesses.ControlPlane> globals,
      List<HaDemo.Zone> zones,
      TrafficProbe.Distribution traffic,
      List<String> failures,
      Duration took,
      Map<String, Long> handoverMs) {
    Result {
      globals = List.copyOf(globals);
      zones = List.copyOf(zones);
      failures = List.copyOf(failures);
      handoverMs = Map.copyOf(handoverMs);
    }
  }

  /** A replica's meters of one role. */
  record Leadership(boolean leader, long changes) {}

  Result run(
      TrafficProbe probe, List<HaDemoProcesses.ControlPlane> globals, List<HaDemo.Zone> zones)
      throws Exception {
    List<Role> roles = new ArrayList<>();
    roles.add(new Role("global", Optional.empty(), new ArrayList<>(globals)));
    for (HaDemo.Zone z : zones) {
      roles.add(new Role("zone-" + z.name(), Optional.of(z.name()), new ArrayList<>(z.replicas())));
    }
    long start = System.nanoTime();
    try (Traffic traffic = new Traffic(probe, start)) {
      List<CompletableFuture<Void>> all = new ArrayList<>();
      for (Role role : roles) {
        all.add(
            CompletableFuture.runAsync(
                () -> {
                  // the replicas killed earlier start first: stopping a live one before they are
                  // back would leave the role with no replica to take over
                  for (int i : deadFirst(role.all())) {
                    role.all().set(i, restart(role, i));
                  }
                }));
      }
      try {
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
      } catch (java.util.concurrent.CompletionException e) {
        throw e.getCause() instanceof Exception cause ? cause : e;
      }
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      traffic.stop();
      List<HaDemo.Zone> fresh = new ArrayList<>();
      for (int z = 0; z < zones.size(); z++) {
        HaDemo.Zone old = zones.get(z);
        fresh.add(new HaDemo.Zone(old.name(), roles.get(z + 1).all(), old.xds()));
      }
      return new Result(
          roles.get(0).all(), fresh, traffic.distribution(), traffic.failures(), took, handoverMs);
    }
  }

  /** The indexes of {@code replicas}, the ones whose process is gone first. */
  static List<Integer> deadFirst(List<HaDemoProcesses.ControlPlane> replicas) {
    List<Integer> order = new ArrayList<>();
    for (int pass = 0; pass < 2; pass++) {
      for (int i = 0; i < replicas.size(); i++) {
        boolean alive = replicas.get(i).process().isAlive();
        if (alive == (pass == 1)) {
          order.add(i);
        }
      }
    }
    return order;
  }

  /**
   * Stops replica {@code i} of {@code role} with SIGTERM (unless it is gone already) and starts it
   * again until ready; when it led, waits until another replica's {@code cp_leader} is 1. For a
   * zone, then waits until the zone's leader holds its KDS connection again.
   */
  private HaDemoProcesses.ControlPlane restart(Role role, int i) {
    HaDemoProcesses.ControlPlane old = role.all().get(i);
    List<HaDemoProcesses.ControlPlane> others = new ArrayList<>(role.all());
    others.remove(old);
    try {
      boolean alive = old.process().isAlive();
      boolean led = false;
      Map<String, Leadership> before = new TreeMap<>();
      if (alive) {
        stopped.add(HaDemoState.json(old.api(), "/").path("instanceId").asText());
        led = leadership(old, role.name()).map(Leadership::leader).orElse(false);
        for (HaDemoProcesses.ControlPlane o : others) {
          if (o.process().isAlive()) {
            leadership(o, role.name()).ifPresent(l -> before.put(o.name(), l));
          }
        }
      }
      long t0 = System.nanoTime();
      HaDemoProcesses.ControlPlane fresh = processes.restart(old, GRACE);
      if (led) {
        HaDemoProcesses.ControlPlane next = awaitOneLeader(role.name(), others);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        handoverMs.merge(role.zone().isEmpty() ? "global" : "zone", ms, Math::max);
        Leadership now = leadership(next, role.name()).orElse(new Leadership(false, -1));
        Leadership was = before.getOrDefault(next.name(), new Leadership(false, -1));
        System.out.printf(
            Locale.ROOT,
            "%s stopped (led %s): %s leads after %.1f s, cp_leader %d,"
                + " cp_leader_changes_total %d -> %d%n",
            old.name(),
            role.name(),
            next.name(),
            ms / 1000.0,
            now.leader() ? 1 : 0,
            was.changes(),
            now.changes());
      }
      processes.awaitReady(fresh, READY);
      if (role.zone().isPresent()) {
        List<HaDemoProcesses.ControlPlane> now = new ArrayList<>(others);
        now.add(fresh);
        DemoSteps.await(
            role.zone().get() + "'s leader holding its KDS connection",
            () -> {
              try {
                HaDemoProcesses.ControlPlane leader = HaDemo.awaitLeader(now);
                return HaDemoState.json(leader.api(), "/status/global")
                    .path("connected")
                    .asBoolean();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
              }
            });
      }
      System.out.printf(
          Locale.ROOT,
          "%s %s and ready after %.1f s%n",
          old.name(),
          alive ? "restarted" : "started again",
          (System.nanoTime() - t0) / 1e9);
      return fresh;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted while restarting " + old.name());
    } catch (java.io.IOException e) {
      throw new CliException("could not start " + old.name() + " again: " + e.getMessage());
    }
  }

  /**
   * The one live replica of {@code candidates} whose {@code cp_leader{role}} is 1 while no other
   * says so, polled every 50 ms.
   */
  private static HaDemoProcesses.ControlPlane awaitOneLeader(
      String role, List<HaDemoProcesses.ControlPlane> candidates) throws InterruptedException {
    long deadline = System.nanoTime() + DemoSteps.WAIT.toNanos();
    while (true) {
      List<HaDemoProcesses.ControlPlane> leaders = new ArrayList<>();
      for (HaDemoProcesses.ControlPlane c : candidates) {
        if (c.process().isAlive() && leadership(c, role).map(Leadership::leader).orElse(false)) {
          leaders.add(c);
        }
      }
      if (leaders.size() == 1) {
        return leaders.get(0);
      }
      if (System.nanoTime() > deadline) {
        throw new CliException(
            "no single replica with cp_leader{role=\""
                + role
                + "\"} 1 among "
                + candidates.stream().map(HaDemoProcesses.ControlPlane::name).toList()
                + " after "
                + DemoSteps.WAIT.toSeconds()
                + "s (leaders: "
                + leaders.stream().map(HaDemoProcesses.ControlPlane::name).toList()
                + ")");
      }
      Thread.sleep(POLL_MS);
    }
  }

  /**
   * {@code cp_leader{role}} and {@code cp_leader_changes_total{role}} from {@code GET /metrics}.
   */
  static Optional<Leadership> leadership(HaDemoProcesses.ControlPlane cp, String role) {
    return leadership(DemoSteps.body(cp.api(), "/metrics"), role);
  }

  static Optional<Leadership> leadership(String metrics, String role) {
    Optional<Double> leader = sample(metrics, "cp_leader", role);
    Optional<Double> changes = sample(metrics, "cp_leader_changes_total", role);
    if (leader.isEmpty() || changes.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Leadership(leader.get() == 1.0, Math.round(changes.get())));
  }

  private static Optional<Double> sample(String metrics, String name, String role) {
    Matcher m =
        Pattern.compile(
                "^"
                    + Pattern.quote(name)
                    + "\\{[^}]*role=\""
                    + Pattern.quote(role)
                    + "\"[^}]*\\} (\\S+)$",
                Pattern.MULTILINE)
            .matcher(metrics);
    return m.find() ? Optional.of(Double.parseDouble(m.group(1))) : Optional.empty();
  }

  /** About 10 requests a second through the client's outbound, until stopped. */
  private static final class Traffic implements AutoCloseable {
    private final ScheduledExecutorService executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "demo-ha-traffic");
              t.setDaemon(true);
              return t;
            });
    // touched by the executor's one thread only; read after stop()
    private final Map<String, Integer> byZone = new TreeMap<>();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private int failed;
    private int total;

    Traffic(TrafficProbe probe, long start) {
      executor.scheduleAtFixedRate(
          () -> {
            TrafficProbe.Answer a = probe.ask();
            total++;
            if (a.ok()) {
              byZone.merge(a.zone(), 1, Integer::sum);
            } else {
              failed++;
              failures.add(
                  String.format(
                      Locale.ROOT,
                      "request %d at +%.1f s: %s",
                      total,
                      (System.nanoTime() - start) / 1e9,
                      a.failure()));
            }
          },
          0,
          100,
          TimeUnit.MILLISECONDS);
    }

    void stop() throws InterruptedException {
      executor.shutdown();
      if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    }

    TrafficProbe.Distribution distribution() {
      return new TrafficProbe.Distribution(byZone, failed, total);
    }

    List<String> failures() {
      return List.copyOf(failures);
    }

    @Override
    public void close() {
      executor.shutdownNow();
    }
  }
}

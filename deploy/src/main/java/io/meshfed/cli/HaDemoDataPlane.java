package io.meshfed.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.dp.ProxyType;
import io.meshfed.dp.XdsAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The data plane of {@code meshfed demo --ha}: a zone ingress per zone, the {@code backend} demo
 * app with its sidecar in each zone and a {@code client} sidecar in zone-1, each Envoy given the
 * API and xDS addresses of every replica of its zone (so it moves to another replica when its own
 * dies). What it starts is added to the caller's list of things to stop.
 */
final class HaDemoDataPlane {
  private final Path dataDir;
  private final String envoyBinary;
  private final List<AutoCloseable> running;

  private HaDemoDataPlane(Path dataDir, String envoyBinary, List<AutoCloseable> running) {
    this.dataDir = dataDir;
    this.envoyBinary = envoyBinary;
    this.running = running;
  }

  /** What the demo reaches of the data plane: a probe of the client's outbound, its admin port. */
  record Client(TrafficProbe probe, int outboundPort, int adminPort) {}

  /** The ingresses, demo apps and sidecars; returns the client's outbound and admin. */
  static Client start(
      Path dataDir,
      String envoyBinary,
      HaDemo.Zone zone1,
      HaDemo.Zone zone2,
      List<AutoCloseable> running)
      throws Exception {
    HaDemoDataPlane dp = new HaDemoDataPlane(dataDir, envoyBinary, running);
    dp.launch(
        zone1,
        "ingress-1",
        ProxyType.INGRESS,
        DemoProxies.ingress("ingress-1", "127.0.0.2", DemoSteps.freePort()));
    dp.launch(
        zone2,
        "ingress-2",
        ProxyType.INGRESS,
        DemoProxies.ingress("ingress-2", "127.0.0.3", DemoSteps.freePort()));
    DemoApp app1 = DemoApp.start("127.0.0.1", 0, "backend", "zone-1", "1");
    running.add(app1);
    DemoApp app2 = DemoApp.start("127.0.0.1", 0, "backend", "zone-2", "1");
    running.add(app2);
    dp.launch(
        zone1,
        "backend-1",
        ProxyType.SIDECAR,
        DemoProxies.sidecar("backend-1", "backend", DemoSteps.freePort(), app1.port(), ""));
    dp.launch(
        zone2,
        "backend-2",
        ProxyType.SIDECAR,
        DemoProxies.sidecar("backend-2", "backend", DemoSteps.freePort(), app2.port(), ""));
    int clientOutbound = DemoSteps.freePort();
    int clientAdmin = DemoSteps.freePort();
    dp.launch(
        zone1,
        "client",
        ProxyType.SIDECAR,
        DemoProxies.sidecar(
            "client",
            "client",
            DemoSteps.freePort(),
            DemoSteps.freePort(),
            "  outbound:\n  - port: "
                + clientOutbound
                + "\n    tags:\n      kuma.io/service: backend\n"),
        clientAdmin);
    return new Client(
        new TrafficProbe("127.0.0.1", clientOutbound, Duration.ofSeconds(3)),
        clientOutbound,
        clientAdmin);
  }

  /**
   * Whether the client's Envoy (admin on {@code adminPort}) routes by a split: its active outbound
   * listener's route names weighted clusters, and every one of them is an active cluster. Until
   * then the client still routes by the mesh's default route, which answers from both zones too, or
   * is between the two updates.
   */
  static boolean splitActive(int adminPort) {
    String admin = "http://127.0.0.1:" + adminPort;
    JsonNode listeners = HaDemoState.json(admin, "/config_dump?resource=dynamic_listeners");
    Set<String> weighted = new TreeSet<>();
    for (JsonNode l : listeners.path("configs")) {
      if (l.path("name").asText().startsWith("outbound:")) {
        for (JsonNode w : l.path("active_state").findValues("weighted_clusters")) {
          w.path("clusters").forEach(c -> weighted.add(c.path("name").asText()));
        }
      }
    }
    if (weighted.size() < 2) {
      return false;
    }
    Set<String> active = new TreeSet<>();
    DemoSteps.body(admin, "/clusters")
        .lines()
        .forEach(line -> active.add(line.substring(0, Math.max(0, line.indexOf("::")))));
    return active.containsAll(weighted);
  }

  private void launch(HaDemo.Zone zone, String name, ProxyType type, String yaml) throws Exception {
    launch(zone, name, type, yaml, null);
  }

  /**
   * Starts the Envoy of {@code name} with every replica of {@code zone} as its control plane, its
   * admin on {@code adminPort} (null: a free port).
   */
  private void launch(HaDemo.Zone zone, String name, ProxyType type, String yaml, Integer adminPort)
      throws Exception {
    List<URI> apis = zone.replicas().stream().map(r -> URI.create(r.api())).toList();
    List<XdsAddress> xds = zone.xds().stream().map(p -> new XdsAddress("127.0.0.1", p)).toList();
    DemoProxies.launchEnvoy(
        dataDir,
        envoyBinary,
        running,
        apis,
        xds,
        new DemoProxies.Proxy(name, type, yaml),
        apis.toString(),
        adminPort);
  }
}

package io.meshfed.cli;

import static io.meshfed.cli.DemoProxies.ingress;
import static io.meshfed.cli.DemoProxies.launchEnvoy;
import static io.meshfed.cli.DemoProxies.sidecar;
import static io.meshfed.cli.DemoSteps.WAIT;
import static io.meshfed.cli.DemoSteps.apply;
import static io.meshfed.cli.DemoSteps.await;
import static io.meshfed.cli.DemoSteps.body;
import static io.meshfed.cli.DemoSteps.cell;
import static io.meshfed.cli.DemoSteps.cli;
import static io.meshfed.cli.DemoSteps.closeNewestFirst;
import static io.meshfed.cli.DemoSteps.deleteQuietly;
import static io.meshfed.cli.DemoSteps.freePort;
import static io.meshfed.cli.DemoSteps.quietLogs;
import static io.meshfed.cli.DemoSteps.step;

import io.meshfed.api.settings.SettingsException;
import io.meshfed.cli.DemoProxies.Proxy;
import io.meshfed.dp.ProxyType;
import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.global.GlobalStores;
import io.meshfed.global.kds.KdsServerOptions;
import io.meshfed.model.StandardTypes;
import io.meshfed.zone.ZoneConfig;
import io.meshfed.zone.ZoneControlPlane;
import io.meshfed.zone.ZoneStores;
import io.meshfed.zone.kds.KdsClientOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meshfed demo}: Kuma's multi-zone demo on this machine. A global control plane and two zone
 * control planes run in this process, federated over KDS (TLS, zone tokens); a zone ingress Envoy
 * per zone, a {@code backend} demo service with its sidecar Envoy in each zone and a client sidecar
 * in zone-1 run as real Envoy processes configured only over xDS. The demo then applies policies on
 * global and, after each, sends requests through the client's sidecar and prints which zone
 * answered: mTLS off (local only), mTLS on (denied), a TrafficPermission (both zones), a
 * TrafficRoute to zone-2, and a 50/50 split. Then zone failover: with locality-aware load balancing
 * and a HealthCheck, zone-1's client stays in zone-1; zone-1's backend app stops and the demo
 * prints how long until zone-2 answers every request, then starts it again and prints how long
 * until zone-1 does. Everything stops at the end unless {@code --keep-running}.
 */
@Command(
    name = "demo",
    description = {
      "Run Kuma's multi-zone demo on this machine: a global control plane and two zone control"
          + " planes (zone-1, zone-2) federated over KDS, a zone ingress Envoy per zone, a backend"
          + " service with its sidecar Envoy in each zone and a client sidecar in zone-1.",
      "Policies are applied on global one by one (mTLS on, a TrafficPermission, a TrafficRoute to"
          + " zone-2, a 50/50 split); after each, requests go through the client's sidecar and the"
          + " demo prints which zone answered them.",
      "Then failover: locality-aware load balancing and a HealthCheck keep zone-1's client in"
          + " zone-1; zone-1's backend stops (traffic moves to zone-2) and starts again (traffic"
          + " comes back); the demo prints how long each move took. Then everything stops"
          + " (--keep-running leaves it up). Needs envoy on the PATH (./meshfed installs it).",
      "--ha: the same federation on replicas (3 globals, 2 replicas per zone, a 3-member etcd, all"
          + " separate processes); with the 50/50 split it kills -9 the global leader, then zone-1's"
          + " leader, then restarts every replica one by one (a rolling restart), and prints the"
          + " distribution and failed requests during each."
    },
    mixinStandardHelpOptions = true)
final class DemoCommand implements Callable<Integer> {

  /** Requests in a row from one zone that show traffic moved there. */
  private static final int RUN = 10;

  @Option(
      names = "--keep-running",
      description =
          "Leave the control planes and Envoys up after the demo and print how to reach them;"
              + " with prometheus on the PATH, also start a Prometheus scraping them (for the"
              + " Grafana dashboards in deploy/grafana).")
  boolean keepRunning;

  @Option(
      names = "--ha",
      description =
          "Replicas: global x3 and zone x2 on a 3-member etcd as processes; kill -9 each leader,"
              + " then a rolling restart.")
  boolean ha;

  @Option(
      names = "--api-port",
      paramLabel = "PORT",
      defaultValue = "0",
      description = "REST API port of the demo's global control plane (default: any free port).")
  int apiPort;

  @Option(
      names = "--requests",
      paramLabel = "N",
      defaultValue = "100",
      description = "Requests sent after each step (default: ${DEFAULT-VALUE}; the split: 2N).")
  int requests;

  @Option(
      names = "--envoy-binary",
      paramLabel = "PATH",
      defaultValue = "envoy",
      description = "The Envoy executable (default: ${DEFAULT-VALUE}, looked up on the PATH).")
  String envoyBinary;

  /** The setting of the MADS and Prometheus HTTP SD port, free ports in the demo. */
  private static final String MADS_PORT = "mads-port";

  /** Global's HTTP SD port: the demo's Prometheus discovers every Envoy there. */
  private int madsPort;

  private final List<AutoCloseable> running = new ArrayList<>();
  private final List<String[]> results = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    if (ha) {
      return new HaDemo(requests, envoyBinary, keepRunning).run();
    }
    quietLogs();
    Path dataDir = Files.createTempDirectory("meshfed-demo-");
    System.out.println("meshfed demo: working directory " + dataDir);
    try {
      GlobalControlPlane global = startGlobal(dataDir);
      String api = "http://127.0.0.1:" + global.apiPort();
      ZoneControlPlane zone1 = startZone(global, dataDir, "zone-1");
      ZoneControlPlane zone2 = startZone(global, dataDir, "zone-2");
      String zone1Api = "http://127.0.0.1:" + zone1.apiPort();
      String zone2Api = "http://127.0.0.1:" + zone2.apiPort();

      step(
          "1. Global (API "
              + api
              + ") and two zones are running; each dialled global over TLS with its zone token");
      await(
          "both zones connected",
          () -> zone1.globalConnection().connected() && zone2.globalConnection().connected());
      cli("inspect", "zones", "--api", api);

      step("2. On global: the mesh, with a builtin CA backend but mTLS off");
      apply(dataDir, "demo-mesh.yaml", api);
      await(
          "the mesh in both zones",
          () -> has(zone1Api, "/meshes/default") && has(zone2Api, "/meshes/default"));

      step(
          "3. Data plane: a zone ingress per zone, backend (demo app + sidecar) in both zones, a"
              + " client sidecar in zone-1; each Envoy presents a dataplane token its zone issued"
              + " and gets its config over xDS");
      DataPlane dataPlane = startDataPlane(dataDir, zone1Api, zone2Api);
      int client = dataPlane.clientOutbound();
      await(
          "every Envoy connected and zone-2's backend advertised to zone-1",
          () ->
              online(zone1Api, "/zoneingresses+insights/ingress-1")
                  && online(zone2Api, "/zoneingresses+insights/ingress-2")
                  && online(zone1Api, "/meshes/default/dataplanes+insights/backend-1")
                  && online(zone2Api, "/meshes/default/dataplanes+insights/backend-2")
                  && online(zone1Api, "/meshes/default/dataplanes+insights/client")
                  && body(zone1Api, "/zone-ingresses/zone-2.ingress-2").contains("backend"));
      cli("inspect", "dataplanes", "--api", api);
      System.out.println();
      cli("inspect", "zone-ingresses", "--api", api);
      TrafficProbe probe = new TrafficProbe("127.0.0.1", client, Duration.ofSeconds(3));
      System.out.println(
          "\nThe client sends each request on a new connection to its sidecar at 127.0.0.1:"
              + client
              + " (outbound for backend).");

      step("4. mTLS off: cross-zone traffic needs mTLS, so only zone-1's backend answers");
      await("zone-1's backend answering", () -> probe.send(5).answered("zone-1") == 5);
      measure(probe, "mTLS off", requests);

      step(
          "5. On global: the mesh's default allow-all TrafficPermission deleted, then mTLS on."
              + " No TrafficPermission is left, so every connection is refused");
      System.out.println("$ meshfed delete traffic-permission allow-all-default -m default");
      cli("delete", "traffic-permission", "allow-all-default", "-m", "default", "--api", api);
      apply(dataDir, "demo-mesh-mtls.yaml", api);
      await("mTLS denying everything", () -> probe.send(5).allFailed());
      measure(probe, "mTLS on, no TrafficPermission", requests);
      await(
          "certificates reported in zone-1",
          () ->
              body(zone1Api, "/meshes/default/dataplanes+insights")
                      .split("certificateExpirationTime", -1)
                      .length
                  == 3);
      System.out.println("\nEvery sidecar now has a certificate from its zone's intermediate CA:");
      cli("inspect", "dataplanes", "--api", zone1Api);

      step("6. On global: a TrafficPermission allowing every service: both zones answer");
      apply(dataDir, "demo-permission.yaml", api);
      await(
          "traffic allowed in both zones",
          () -> {
            TrafficProbe.Distribution d = probe.send(10);
            return d.failed() == 0 && d.answered("zone-2") > 0;
          });
      measure(probe, "TrafficPermission allow-all", requests);

      step("7. On global: a TrafficRoute sending all backend traffic to zone-2");
      apply(dataDir, "demo-route-zone-2.yaml", api);
      await("the route to zone-2", () -> probe.send(10).answered("zone-2") == 10);
      measure(probe, "TrafficRoute -> zone-2", requests);

      step("8. On global: the route splits backend traffic 50/50 between the zones");
      apply(dataDir, "demo-route-split.yaml", api);
      await(
          "the 50/50 split",
          () -> {
            TrafficProbe.Distribution d = probe.send(10);
            return d.failed() == 0 && d.answered("zone-1") > 0;
          });
      measure(probe, "TrafficRoute split 50/50", 2 * requests);

      step("9. Global records which zone acknowledged which version of the route");
      String sync = "/meshes/default/traffic-routes/backend-route/_sync";
      await(
          "both zones acknowledging",
          () -> body(api, sync).split("\"upToDate\":true", -1).length == 3);
      System.out.println(pretty(body(api, sync)));

      failover(dataDir, api, zone1Api, probe, dataPlane.backend1());

      if (keepRunning) {
        System.out.println();
        System.out.println("Everything keeps running. Try:");
        System.out.println(
            "  curl -s 127.0.0.1:" + client + "        # through the client's sidecar");
        System.out.println("  ./meshfed inspect dataplanes --api " + api);
        System.out.println("  ./meshfed inspect zone-ingresses --api " + zone1Api + "   # zone-1");
        System.out.println("  ./meshfed get traffic-routes --api " + api);
        System.out.println("  curl -s " + zone1Api + "/metrics | grep xds_");
        System.out.println(
            "  open " + api + "/gui   # the GUI: zones, services, dataplanes, policies");
        System.out.println(
            "  curl -s 127.0.0.1:" + madsPort + "/http-sd   # every Envoy's metrics endpoint");
        DemoPrometheus.startIfAvailable(
                dataDir,
                List.of(
                    "127.0.0.1:" + global.apiPort(),
                    "127.0.0.1:" + zone1.apiPort(),
                    "127.0.0.1:" + zone2.apiPort()),
                madsPort,
                System.out)
            .ifPresent(p -> running.add(p));
        System.out.println("Stop it with Ctrl-C.");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
            .addShutdownHook(
                new Thread(
                    () -> {
                      stopAll();
                      deleteQuietly(dataDir);
                      stopped.countDown();
                    }));
        stopped.await();
      } else {
        step(
            "Done: the Envoys, demo apps and control planes stop now (--keep-running leaves them up).");
      }
      return 0;
    } finally {
      if (!keepRunning) {
        stopAll();
        deleteQuietly(dataDir);
      }
    }
  }

  /** What the failover steps need of the data plane: the client's port and zone-1's backend. */
  private record DataPlane(int clientOutbound, DemoApp backend1) {}

  /**
   * Steps 10-12: locality-aware load balancing and a HealthCheck on backend keep zone-1's client in
   * zone-1; zone-1's backend app stops (its port closes, as when its process dies) and then starts
   * again on the same port; after each, the time until {@value #RUN} requests in a row went to the
   * expected zone is printed and a row is measured.
   */
  private void failover(
      Path dataDir, String api, String zone1Api, TrafficProbe probe, DemoApp backend1)
      throws Exception {
    step(
        "10. On global: the route removed (the mesh's default route-all-default sends backend"
            + " traffic to both zones again), then a HealthCheck on backend and locality-aware"
            + " load balancing: zone-1's client prefers zone-1's backend while it is healthy");
    System.out.println("$ meshfed delete traffic-route backend-route -m default");
    cli("delete", "traffic-route", "backend-route", "-m", "default", "--api", api);
    apply(dataDir, "demo-health-check.yaml", api);
    apply(dataDir, "demo-mesh-locality.yaml", api);
    await(
        "zone-1 sending the client health-checked, locality-aware clusters",
        () -> {
          String config = body(zone1Api, "/meshes/default/dataplanes/client/xds");
          String flat = config.replace("_", "").toLowerCase(java.util.Locale.ROOT);
          return flat.contains("healthchecks") && flat.contains("\"priority\"");
        });
    await(
        "zone-1's backend answering every request",
        () -> probe.send(RUN).answered("zone-1") == RUN);
    measure(probe, "locality-aware (zone-1 preferred)", requests);

    step(
        "11. zone-1's backend app stops (its port closes, as when its process dies). The client's"
            + " health checks (every second) take zone-1's instance out, and the mesh's default"
            + " retry-all policy retries the requests that fail meanwhile");
    int port = backend1.port();
    running.remove(backend1);
    backend1.close();
    long stoppedAt = System.nanoTime();
    ZoneSwitch.Result failover =
        ZoneSwitch.after(probe::once, System::nanoTime, "zone-2", RUN, stoppedAt, WAIT);
    System.out.printf(
        java.util.Locale.ROOT,
        "zone-2 answers every request %.1f s after zone-1's backend stopped (before that: %d"
            + " failed, %d answered by zone-1; slowest request %.2f s)%n",
        failover.took().toMillis() / 1000.0,
        failover.failed(),
        failover.otherZone(),
        failover.slowest().toMillis() / 1000.0);
    measure(probe, "zone-1 backend down", requests);

    step("12. zone-1's backend app starts again on its port: traffic comes back to zone-1");
    DemoApp restarted = DemoApp.start("127.0.0.1", port, "backend", "zone-1", "1");
    running.add(restarted);
    long restartedAt = System.nanoTime();
    ZoneSwitch.Result failback =
        ZoneSwitch.after(probe::once, System::nanoTime, "zone-1", RUN, restartedAt, WAIT);
    System.out.printf(
        java.util.Locale.ROOT,
        "zone-1 answers every request again %.1f s after its backend started (before that: %d"
            + " failed, %d answered by zone-2; slowest request %.2f s)%n",
        failback.took().toMillis() / 1000.0,
        failback.failed(),
        failback.otherZone(),
        failback.slowest().toMillis() / 1000.0);
    measure(probe, "zone-1 backend back", requests);
  }

  /** Starts the demo apps and every Envoy. */
  private DataPlane startDataPlane(Path dataDir, String zone1Api, String zone2Api)
      throws Exception {
    int ingress1 = freePort();
    int ingress2 = freePort();
    // each ingress on its own loopback address: both serve their stats on the mesh's metrics port
    launch(
        dataDir,
        zone1Api,
        "ingress-1",
        ProxyType.INGRESS,
        ingress("ingress-1", "127.0.0.2", ingress1));
    launch(
        dataDir,
        zone2Api,
        "ingress-2",
        ProxyType.INGRESS,
        ingress("ingress-2", "127.0.0.3", ingress2));
    DemoApp app1 = DemoApp.start("127.0.0.1", 0, "backend", "zone-1", "1");
    running.add(app1);
    DemoApp app2 = DemoApp.start("127.0.0.1", 0, "backend", "zone-2", "1");
    running.add(app2);
    launch(
        dataDir,
        zone1Api,
        "backend-1",
        ProxyType.SIDECAR,
        sidecar("backend-1", "backend", freePort(), app1.port(), ""));
    launch(
        dataDir,
        zone2Api,
        "backend-2",
        ProxyType.SIDECAR,
        sidecar("backend-2", "backend", freePort(), app2.port(), ""));
    int clientOutbound = freePort();
    launch(
        dataDir,
        zone1Api,
        "client",
        ProxyType.SIDECAR,
        sidecar(
            "client",
            "client",
            freePort(),
            freePort(),
            "  outbound:\n  - port: "
                + clientOutbound
                + "\n    tags:\n      kuma.io/service: backend\n"));
    return new DataPlane(clientOutbound, app1);
  }

  private void launch(Path dataDir, String zoneApi, String name, ProxyType type, String yaml)
      throws Exception {
    launchEnvoy(
        dataDir,
        envoyBinary,
        running,
        List.of(URI.create(zoneApi)),
        List.of(),
        new Proxy(name, type, yaml),
        zoneApi,
        null);
  }

  /** Sends {@code n} requests, records the row and prints every row so far. */
  private void measure(TrafficProbe probe, String label, int n) {
    TrafficProbe.Distribution d = probe.send(n);
    results.add(
        new String[] {
          label,
          String.valueOf(d.total()),
          cell(d.answered("zone-1"), d.total()),
          cell(d.answered("zone-2"), d.total()),
          cell(d.failed(), d.total())
        });
    Table table = new Table(List.of("STEP", "REQUESTS", "ZONE-1", "ZONE-2", "FAILED"));
    results.forEach(r -> table.add(List.of(r)));
    System.out.println();
    table.print(System.out);
  }

  private boolean online(String api, String path) {
    return body(api, path).contains("\"online\":true");
  }

  private GlobalControlPlane startGlobal(Path dataDir) throws IOException {
    GlobalConfig config;
    try {
      Map<String, String> flags =
          new HashMap<>(
              Map.of(
                  "api-port",
                  String.valueOf(apiPort),
                  "kds-port",
                  "0",
                  "data-dir",
                  dataDir.resolve("global").toString()));
      madsPort = freePort();
      flags.put(MADS_PORT, String.valueOf(madsPort));
      config = GlobalConfig.load(flags, Map.of(), null);
    } catch (SettingsException e) {
      throw new CliException(String.join("; ", e.problems()));
    }
    GlobalControlPlane global =
        GlobalControlPlane.secured(
            config,
            ControlPlaneRunner.openStore(
                "global",
                () -> GlobalStores.open(config, StandardTypes.registry(), Clock.systemUTC())),
            Clock.systemUTC(),
            KdsServerOptions.defaults());
    running.add(global);
    return global.start();
  }

  private ZoneControlPlane startZone(GlobalControlPlane global, Path dataDir, String zone)
      throws IOException {
    Path token = dataDir.resolve(zone + ".token");
    Files.writeString(token, global.zoneTokenIssuer().issue(zone, Duration.ofHours(1)));
    ZoneConfig config;
    try {
      Map<String, String> flags =
          new HashMap<>(
              Map.of(
                  "zone",
                  zone,
                  "global-address",
                  "grpcs://127.0.0.1:" + global.kdsPort(),
                  "zone-token-file",
                  token.toString(),
                  "ca-file",
                  dataDir.resolve("global").resolve("kds-ca.crt").toString(),
                  "api-port",
                  "0",
                  "xds-port",
                  "0",
                  "data-dir",
                  dataDir.resolve(zone).toString()));
      // two zones and global in one process: each needs its own port, not the default
      flags.put(MADS_PORT, String.valueOf(freePort()));
      config = ZoneConfig.load(flags, Map.of(), null);
    } catch (SettingsException e) {
      throw new CliException(String.join("; ", e.problems()));
    }
    ZoneControlPlane cp =
        new ZoneControlPlane(
            config,
            ControlPlaneRunner.openStore(
                zone, () -> ZoneStores.open(config, StandardTypes.registry(), Clock.systemUTC())),
            Clock.systemUTC(),
            KdsClientOptions.defaults()
                .withReconnect(Duration.ofMillis(200), Duration.ofSeconds(2)));
    running.add(cp);
    return cp.start();
  }

  private void stopAll() {
    closeNewestFirst(running);
  }

  private static String pretty(String json) {
    try {
      var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
      return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(mapper.readTree(json));
    } catch (IOException e) {
      return json;
    }
  }

  private static boolean has(String api, String path) {
    return !body(api, path).isEmpty();
  }
}

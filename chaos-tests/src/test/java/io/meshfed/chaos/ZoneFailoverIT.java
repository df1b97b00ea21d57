package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.cli.TrafficProbe;
import io.meshfed.cli.TrafficProbe.Distribution;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.MeshfedProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zone failover on real processes: a global, two zones, an ingress per zone, a {@code backend} demo
 * app with its sidecar in each zone and a client sidecar in zone-1, in a mesh with {@code
 * routing.localityAwareLoadBalancing} and an HTTP HealthCheck from every service to backend
 * (interval 1 s, unhealthy after 2 failures, healthy after 1; {@code noTrafficInterval} 1 s too:
 * Envoy's default of 60 s applies to a cluster until its first traffic, and a check scheduled then
 * waits that long).
 *
 * <ol>
 *   <li>Every request of zone-1's client is answered by zone-1 while its backend is healthy.
 *   <li>zone-1's backend app is killed: within interval × unhealthyThreshold + 1 s every request is
 *       answered by zone-2, through its ingress; the app restarted, traffic comes back to zone-1.
 *   <li>zone-2's control plane stopped longer than global's {@code zone-offline-grace} (10 s here):
 *       zone-1's client loses zone-2's ingress endpoint, zone-1 keeps zone-2's ingress resource
 *       (marked offline); zone-2's control plane restarted, the endpoint comes back.
 * </ol>
 *
 * The times measured are printed (a {@code failover:} line, kept in the failsafe report).
 */
class ZoneFailoverIT {
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final Duration HC_INTERVAL = Duration.ofSeconds(1);
  private static final int UNHEALTHY_THRESHOLD = 2;
  private static final Duration FAILOVER_BOUND =
      HC_INTERVAL.multipliedBy(UNHEALTHY_THRESHOLD).plusSeconds(1);
  private static final Duration GRACE = Duration.ofSeconds(10);

  @TempDir Path dir;
  private Federation f;
  @RegisterExtension final LogsOnFailure logs = new LogsOnFailure(() -> f);
  private final List<MeshfedProcess> proxies = new ArrayList<>();
  private final List<MeshfedProcess> apps = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (MeshfedProcess p : proxies) {
      List<ProcessHandle> children =
          ProcessHandle.of(p.pid()).map(h -> h.descendants().toList()).orElse(List.of());
      p.close();
      children.forEach(ProcessHandle::destroyForcibly);
    }
    for (MeshfedProcess p : apps) {
      p.close();
    }
    if (f != null) {
      f.close();
    }
  }

  private static final String MESH =
      """
      type: Mesh
      name: default
      mtls:
        enabledBackend: ca-1
        backends:
        - name: ca-1
          type: builtin
      routing:
        localityAwareLoadBalancing: true
      """;

  private static final String HEALTH_CHECK =
      """
      type: HealthCheck
      name: backend-health
      mesh: default
      sources:
      - match:
          kuma.io/service: '*'
      destinations:
      - match:
          kuma.io/service: backend
      conf:
        interval: %ds
        timeout: 2s
        unhealthyThreshold: %d
        healthyThreshold: 1
        noTrafficInterval: %ds
        http:
          path: /health
      """
          .formatted(HC_INTERVAL.toSeconds(), UNHEALTHY_THRESHOLD, HC_INTERVAL.toSeconds());

  private MeshfedProcess launch(String name, Federation.Node zone, String yaml, boolean ingress) {
    MeshfedProcess p = f.dpRun(zone, name, yaml, ingress);
    proxies.add(p);
    return p;
  }

  private MeshfedProcess backendApp(String zone, int port) {
    MeshfedProcess p =
        MeshfedProcess.start(
            dir.resolve("app-" + zone + "-" + System.nanoTime() + ".log"),
            "demo-app",
            "--port",
            String.valueOf(port),
            "--service",
            "backend",
            "--zone",
            zone,
            "--instance",
            "1");
    apps.add(p);
    return p;
  }

  private static String sidecar(String name, String service, int port, int servicePort) {
    return """
        type: Dataplane
        mesh: default
        name: %s
        networking:
          address: 127.0.0.1
          inbound:
          - port: %d
            servicePort: %d
            tags:
              kuma.io/service: %s
              kuma.io/protocol: http
        """
        .formatted(name, port, servicePort, service);
  }

  private static String ingress(String name, int port) {
    return """
        type: ZoneIngress
        name: %s
        networking:
          address: 127.0.0.1
          port: %d
          advertisedAddress: 127.0.0.1
          advertisedPort: %d
          admin:
            port: %d
        """
        .formatted(name, port, port, FreePorts.one());
  }

  private boolean online(Federation.Node zone, String path) {
    JsonNode n = f.get(zone.api, path);
    return n != null && n.path("online").asBoolean(false);
  }

  private static boolean all(TrafficProbe probe, int n, String zone) {
    return probe.send(n).answered(zone) == n;
  }

  private String clientClusters(int clientAdmin) {
    return f.getRaw("http://127.0.0.1:" + clientAdmin, "/clusters").body();
  }

  private static final int RUN = 10;

  /**
   * Sends requests one after another until {@value #RUN} in a row are answered by {@code zone}; the
   * seconds from {@code since} to the start of the first request of that run.
   */
  private static double secondsUntilRun(
      TrafficProbe probe, String zone, long since, Duration atMost) {
    long deadline = since + atMost.toNanos();
    long firstOfRun = 0;
    int run = 0;
    while (run < RUN) {
      long at = System.nanoTime();
      assertThat(at)
          .as("%d requests in a row answered by %s within %s", RUN, zone, atMost)
          .isLessThan(deadline);
      if (zone.equals(probe.once())) {
        firstOfRun = run == 0 ? at : firstOfRun;
        run++;
      } else {
        run = 0;
      }
    }
    return (firstOfRun - since) / 1e9;
  }

  private static double seconds(long fromNanos) {
    return (System.nanoTime() - fromNanos) / 1e9;
  }

  @Test
  void trafficStaysLocalFailsOverOnHealthAndAvoidsAnOfflineZone() throws Exception {
    try {
      run();
    } catch (AssertionError | RuntimeException e) {
      // LogsOnFailure runs after the temporary directory is gone: print them while they exist
      System.out.println("===== logs" + (f == null ? "" : f.logs()));
      throw e;
    }
  }

  private void run() throws Exception {
    f = new Federation(dir).withGlobalArgs("--zone-offline-grace", GRACE.toSeconds() + "s");
    f.startGlobal();
    List<Federation.Node> pair = f.startZones("zone-1", "zone-2");
    Federation.Node zone1 = pair.get(0);
    Federation.Node zone2 = pair.get(1);
    f.apply(f.global.api, "/meshes/default", MESH);
    f.apply(f.global.api, "/meshes/default/health-checks/backend-health", HEALTH_CHECK);
    await()
        .atMost(CONVERGE)
        .until(
            () ->
                f.get(zone1.api, "/meshes/default/health-checks/backend-health") != null
                    && f.get(zone2.api, "/meshes/default/health-checks/backend-health") != null);

    int ingress2 = FreePorts.one();
    launch("ingress-1", zone1, ingress("ingress-1", FreePorts.one()), true);
    launch("ingress-2", zone2, ingress("ingress-2", ingress2), true);
    int app1 = FreePorts.one();
    int app2 = FreePorts.one();
    MeshfedProcess backend1App = backendApp("zone-1", app1);
    backendApp("zone-2", app2);
    launch("backend-1", zone1, sidecar("backend-1", "backend", FreePorts.one(), app1), false);
    launch("backend-2", zone2, sidecar("backend-2", "backend", FreePorts.one(), app2), false);
    int clientOutbound = FreePorts.one();
    int clientAdmin = FreePorts.one();
    launch(
        "client",
        zone1,
        sidecar("client", "client", FreePorts.one(), FreePorts.one())
            + """
              outbound:
              - port: %d
                tags:
                  kuma.io/service: backend
              admin:
                port: %d
            """
                .formatted(clientOutbound, clientAdmin),
        false);
    await()
        .atMost(CONVERGE)
        .until(
            () ->
                online(zone1, "/zoneingresses+insights/ingress-1")
                    && online(zone2, "/zoneingresses+insights/ingress-2")
                    && online(zone1, "/meshes/default/dataplanes+insights/backend-1")
                    && online(zone2, "/meshes/default/dataplanes+insights/backend-2")
                    && online(zone1, "/meshes/default/dataplanes+insights/client"));
    String ingress2Endpoint = "backend::127.0.0.1:" + ingress2 + "::";
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(clientClusters(clientAdmin))
                    .as("zone-1's client sees zone-2's ingress, healthy")
                    .contains(ingress2Endpoint + "health_flags::healthy"));
    TrafficProbe probe = new TrafficProbe("127.0.0.1", clientOutbound, Duration.ofSeconds(3));

    // 1. both zones healthy: locality-aware, every request stays in zone-1
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              Distribution d = probe.send(10);
              assertThat(d.answered("zone-1"))
                  .as("both healthy: %s%n%s", d, clientClusters(clientAdmin))
                  .isEqualTo(10);
            });
    Distribution local = probe.send(60);
    assertThat(local.answered("zone-1")).as("both zones healthy: %s", local).isEqualTo(60);

    // 2. zone-1's backend app killed: the health check ejects it, zone-2 answers everything
    backend1App.kill();
    long killedAt = System.nanoTime();
    double failover = secondsUntilRun(probe, "zone-2", killedAt, CONVERGE);
    assertThat(failover)
        .as("every request answered by zone-2 from %.2fs after the kill", failover)
        .isLessThanOrEqualTo(FAILOVER_BOUND.toMillis() / 1000.0);
    Distribution failedOver = probe.send(40);
    assertThat(failedOver.answered("zone-2")).as("after failover: %s", failedOver).isEqualTo(40);
    // ... through zone-2's ingress: zone-1's client has no other address for zone-2's backend
    assertThat(clientClusters(clientAdmin)).contains(ingress2Endpoint);

    backendApp("zone-1", app1);
    long restartedAt = System.nanoTime();
    double failback = secondsUntilRun(probe, "zone-1", restartedAt, CONVERGE);
    Distribution back = probe.send(40);
    assertThat(back.answered("zone-1")).as("after failback: %s", back).isEqualTo(40);

    // 3. zone-2's control plane stopped past the grace: zone-1 stops routing to its ingress and
    // keeps its resources
    long stoppedAt = System.nanoTime(); // its stream closes during the shutdown, after this
    zone2.process.close();
    await()
        .atMost(GRACE.plus(CONVERGE))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () ->
                assertThat(clientClusters(clientAdmin))
                    .as("zone-1's client, zone-2 offline: %s", f.get(zone1.api, "/zone-ingresses"))
                    .doesNotContain(ingress2Endpoint));
    double offline = seconds(stoppedAt);
    assertThat(offline)
        .as("zone-2's ingress kept its traffic for the grace period")
        .isGreaterThanOrEqualTo(GRACE.toSeconds());
    JsonNode kept = f.get(zone1.api, "/zone-ingresses/zone-2.ingress-2");
    assertThat(kept).as("zone-1 keeps zone-2's ingress").isNotNull();
    assertThat(kept.path("labels").path("meshfed.io/zone-offline").asText()).isEqualTo("true");
    assertThat(kept.path("availableServices").toString()).contains("backend");
    Distribution whileOffline = probe.send(20);
    assertThat(whileOffline.answered("zone-1"))
        .as("zone-2 offline: %s", whileOffline)
        .isEqualTo(20);

    f.restart(zone2);
    long zoneBackAt = System.nanoTime();
    await()
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> clientClusters(clientAdmin).contains(ingress2Endpoint));
    double resumed = seconds(zoneBackAt);
    JsonNode unmarked = f.get(zone1.api, "/zone-ingresses/zone-2.ingress-2");
    assertThat(unmarked.path("labels").has("meshfed.io/zone-offline")).isFalse();

    String figures =
        String.format(
            "failover: local kill -> all zone-2 in %.2fs (bound %ds); backend restart -> all zone-1"
                + " in %.2fs; zone-2 CP stop -> its ingress out of zone-1's EDS in %.2fs (grace"
                + " %ds); zone-2 CP restart (ready) -> back in EDS in %.2fs",
            failover, FAILOVER_BOUND.toSeconds(), failback, offline, GRACE.toSeconds(), resumed);
    System.out.println(figures); // kept in the failsafe report for the record
  }
}

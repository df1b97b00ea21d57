package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.rpc.Status;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Routes wait for the clusters they name: a route response is held until Envoy has answered the
 * clusters of the same snapshot. Runs against the zone's real snapshot cache; the "Envoy" is this
 * test sending the requests Envoy sends.
 */
class ClusterFirstWatcherTest {
  private static final String NODE = "default.web-1";

  private final ProxySnapshots cache = new ProxySnapshots();
  private final List<Runnable> timers = new ArrayList<>();
  private final ClusterFirstWatcher watcher =
      new ClusterFirstWatcher(
          cache,
          node ->
              Optional.ofNullable(cache.getSnapshot(node)).map(s -> s.version(XdsTypes.CLUSTER)),
          (delay, task) -> timers.add(task),
          Duration.ofSeconds(10));
  // what the stream sent, in order: "cds v1", "rds v2", ...
  private final List<String> sent = new ArrayList<>();

  @Test
  void aRouteToANewClusterWaitsUntilEnvoyHasTheCluster() {
    connectedWith("backend");
    watchAll("backend");

    // a split: a new cluster and a route that names it, in one snapshot
    cache.setSnapshot(NODE, snapshot("v2", "backend", "backend-zone-2"));
    assertThat(sent).containsExactly("cds v2");
    assertThat(watcher.held(NODE)).isEqualTo(1);

    watch(XdsTypes.CLUSTER, "v2", List.of()); // Envoy acknowledges once the cluster is warm
    assertThat(sent).containsExactly("cds v2", "rds v2");
    assertThat(watcher.held(NODE)).isZero();
  }

  @Test
  void aRouteIsReleasedWhenEnvoyRejectsTheClusters() {
    connectedWith("backend");
    watchAll("backend");
    cache.setSnapshot(NODE, snapshot("v2", "backend", "backend-zone-2"));
    assertThat(sent).containsExactly("cds v2");

    // NackHoldingWatcher (outside this one) gives a NACK the rejected version
    watch(XdsTypes.CLUSTER, "v2", List.of(), true);
    assertThat(sent).containsExactly("cds v2", "rds v2");
  }

  @Test
  void routesFollowClustersThroughChangesThatOvertakeEachOther() {
    connectedWith("backend");
    watchAll("backend");
    cache.setSnapshot(NODE, snapshot("v2", "backend", "backend-zone-2"));
    // a second change before Envoy answered the first clusters: its clusters wait for that answer
    cache.setSnapshot(NODE, snapshot("v3", "backend", "backend-zone-2", "backend-zone-3"));
    assertThat(sent).containsExactly("cds v2");

    watch(XdsTypes.CLUSTER, "v2", List.of()); // the first route goes, then the newer clusters
    assertThat(sent).containsExactly("cds v2", "rds v2", "cds v3");
    watch(XdsTypes.ROUTE, "v2", List.of("outbound"));
    assertThat(sent).containsExactly("cds v2", "rds v2", "cds v3");
    watch(XdsTypes.CLUSTER, "v3", List.of());
    assertThat(sent).containsExactly("cds v2", "rds v2", "cds v3", "rds v3");
  }

  @Test
  void aFirstConnectionGetsItsRoutesAfterItsClusters() {
    cache.setSnapshot(NODE, snapshot("v1", "backend"));
    watch(XdsTypes.CLUSTER, "", List.of());
    watch(XdsTypes.ROUTE, "", List.of("outbound"));
    assertThat(sent).containsExactly("cds v1");
    watch(XdsTypes.CLUSTER, "v1", List.of());
    assertThat(sent).containsExactly("cds v1", "rds v1");
  }

  @Test
  void aRouteNamingKnownClustersIsNotHeld() {
    connectedWith("backend");
    watch(XdsTypes.ROUTE, "v1", List.of("outbound"));
    // the clusters do not change, so Envoy has them
    cache.setSnapshot(
        NODE,
        Snapshot.create(
            clusters("backend"),
            "v1",
            List.of(),
            "v1",
            List.of(),
            "v1",
            List.of(route("backend")),
            "v3",
            List.of(),
            "v1"));
    assertThat(sent).containsExactly("rds v3");
  }

  @Test
  void aHeldRouteGoesAfterTheLongestHoldWhenEnvoyNeverAnswers() {
    connectedWith("backend");
    watchAll("backend");
    cache.setSnapshot(NODE, snapshot("v2", "backend", "backend-zone-2"));
    assertThat(timers).hasSize(1);
    timers.get(0).run();
    assertThat(sent).containsExactly("cds v2", "rds v2");
    watch(XdsTypes.CLUSTER, "v2", List.of()); // a late answer sends nothing twice
    assertThat(sent).containsExactly("cds v2", "rds v2");
  }

  @Test
  void aRouteReleasedByEnvoysAnswerIsNotKeptUntilTheLongestHoldEnds() {
    connectedWith("backend");
    watchAll("backend");
    cache.setSnapshot(NODE, snapshot("v2", "backend", "backend-zone-2"));
    watch(XdsTypes.CLUSTER, "v2", List.of());
    assertThat(sent).containsExactly("cds v2", "rds v2");
    WeakReference<Response> route = lastSent;
    lastSent = null;

    // the timer task is still pending (it runs after 10 s) but no longer reaches the response
    assertThat(timers).hasSize(1);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              System.gc();
              return route.get() == null;
            });
    timers.get(0).run();
    assertThat(sent).containsExactly("cds v2", "rds v2");
  }

  @Test
  void aHeldRouteOfAClosedStreamIsNotSent() {
    connectedWith("backend");
    watchAll("backend");
    Watch routes = lastRouteWatch;
    cache.setSnapshot(NODE, snapshot("v2", "backend", "backend-zone-2"));
    routes.cancel(); // the stream closed
    watch(XdsTypes.CLUSTER, "v2", List.of());
    assertThat(sent).containsExactly("cds v2");
  }

  private Watch lastRouteWatch;
  private WeakReference<Response> lastSent;

  /** Envoy started on v1 and acknowledged everything. */
  private void connectedWith(String cluster) {
    cache.setSnapshot(NODE, snapshot("v1", cluster));
    watch(XdsTypes.CLUSTER, "", List.of());
    watch(XdsTypes.CLUSTER, "v1", List.of()); // the acknowledgement leaves a watch open
    watch(XdsTypes.ROUTE, "", List.of("outbound"));
    sent.clear();
  }

  /** The route watch Envoy holds open after acknowledging v1 (the cluster one is open). */
  private void watchAll(String cluster) {
    lastRouteWatch = watch(XdsTypes.ROUTE, "v1", List.of("outbound"));
  }

  private Watch watch(String type, String version, List<String> names) {
    return watch(type, version, names, false);
  }

  private Watch watch(String type, String version, List<String> names, boolean nack) {
    DiscoveryRequest.Builder request =
        DiscoveryRequest.newBuilder()
            .setNode(Node.newBuilder().setId(NODE))
            .setTypeUrl(type)
            .setVersionInfo(version)
            .addAllResourceNames(names);
    if (nack) {
      request.setErrorDetail(Status.newBuilder().setMessage("rejected"));
    }
    return watcher.createWatch(
        true, XdsRequest.create(request.build()), Set.copyOf(names), this::record, false, false);
  }

  private void record(Response response) {
    lastSent = new WeakReference<>(response);
    sent.add(XdsTypes.shortName(response.request().getTypeUrl()) + " " + response.version());
  }

  private static Snapshot snapshot(String version, String... clusterNames) {
    String last = clusterNames[clusterNames.length - 1];
    return Snapshot.create(
        clusters(clusterNames),
        version,
        List.of(),
        "v1",
        List.of(),
        "v1",
        List.of(route(last)),
        version,
        List.of(),
        "v1");
  }

  private static List<Cluster> clusters(String... names) {
    List<Cluster> clusters = new ArrayList<>();
    for (String name : names) {
      clusters.add(
          Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.STATIC).build());
    }
    return clusters;
  }

  private static RouteConfiguration route(String cluster) {
    return RouteConfiguration.newBuilder()
        .setName("outbound")
        .addVirtualHosts(
            VirtualHost.newBuilder()
                .setName("backend")
                .addDomains("*")
                .addRoutes(
                    Route.newBuilder().setRoute(RouteAction.newBuilder().setCluster(cluster))))
        .build();
  }
}

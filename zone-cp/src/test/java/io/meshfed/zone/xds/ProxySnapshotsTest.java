package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The zone's snapshot cache answers state-of-the-world ADS watches as Envoy expects: at once when
 * the version differs, held while it is current, answered when a snapshot changes the watch's type,
 * named resources only when the snapshot has them all, every stream of a node id, and a cancelled
 * watch neither answered nor kept. The "Envoy" is this test sending the requests Envoy sends.
 */
class ProxySnapshotsTest {
  private static final String NODE = "default.web-1";

  private final ProxySnapshots cache = new ProxySnapshots();
  // what was answered, in order: "cds v1 [backend]", ...
  private final List<String> sent = new CopyOnWriteArrayList<>();
  private final ExecutorService other = Executors.newSingleThreadExecutor();

  @AfterEach
  void stop() {
    other.shutdownNow();
  }

  @Test
  void aRequestForAnotherVersionIsAnsweredAtOnceWithEveryResourceOfItsType() {
    cache.setSnapshot(NODE, snapshot("c1", List.of("backend", "db"), "e1", "l1"));

    watch(XdsTypes.CLUSTER, "");

    assertThat(sent).containsExactly("cds c1 [backend, db]");
    assertThat(cache.openWatches(NODE)).isZero();
  }

  @Test
  void aRequestForTheCurrentVersionIsHeldUntilItsTypeChanges() {
    cache.setSnapshot(NODE, snapshot("c1", List.of("backend"), "e1", "l1"));
    watch(XdsTypes.CLUSTER, "c1");
    watch(XdsTypes.LISTENER, "l1");
    assertThat(sent).isEmpty();
    assertThat(cache.openWatches(NODE)).isEqualTo(2);

    cache.setSnapshot(NODE, snapshot("c1", List.of("backend"), "e1", "l2")); // listeners only

    assertThat(sent).containsExactly("lds l2 [outbound:backend]");
    assertThat(cache.openWatches(NODE)).isOne(); // the clusters' watch stays open
  }

  @Test
  void aRequestBeforeAnySnapshotIsAnsweredByTheFirst() {
    watch(XdsTypes.CLUSTER, "");
    assertThat(sent).isEmpty();

    cache.setSnapshot(NODE, snapshot("c1", List.of("backend"), "e1", "l1"));

    assertThat(sent).containsExactly("cds c1 [backend]");
    assertThat(cache.getSnapshot(NODE).version(XdsTypes.CLUSTER)).isEqualTo("c1");
  }

  @Test
  void aSnapshotAnswersTheTypesItChangesClustersFirst() {
    cache.setSnapshot(NODE, snapshot("c1", List.of("backend"), "e1", "l1"));
    watch(XdsTypes.LISTENER, "l1");
    watch(XdsTypes.ENDPOINT, "e1", "backend");
    watch(XdsTypes.CLUSTER, "c1");

    cache.setSnapshot(NODE, snapshot("c2", List.of("backend"), "e2", "l2"));

    assertThat(sent)
        .containsExactly("cds c2 [backend]", "eds e2 [backend]", "lds l2 [outbound:backend]");
  }

  @Test
  void namedResourcesAreAnsweredOnlyWhenTheSnapshotHasThemAll() {
    cache.setSnapshot(NODE, snapshot("c1", List.of("backend", "db", "cache"), "e1", "l1"));

    // Envoy got clusters backend and queue and asks for their endpoints; queue is not there yet
    watch(XdsTypes.ENDPOINT, "", "backend", "queue");
    assertThat(sent).isEmpty();
    assertThat(cache.openWatches(NODE)).isOne();

    cache.setSnapshot(NODE, snapshot("c2", List.of("backend", "db", "queue"), "e2", "l1"));

    assertThat(sent).containsExactly("eds e2 [backend, queue]"); // only the names it asked for
    assertThat(cache.openWatches(NODE)).isZero();
  }

  @Test
  void aNameEnvoyWasNotSentYetIsAnsweredAtOnceAtTheSameVersion() {
    cache.setSnapshot(NODE, snapshot("c1", List.of("backend", "db"), "e1", "l1"));

    // Envoy ACKed endpoints e1 of backend, then got cluster db and asks for both
    watch(XdsTypes.ENDPOINT, "e1", Set.of("backend"), false, "backend", "db");

    assertThat(sent).containsExactly("eds e1 [backend, db]");
  }

  @Test
  void endpointsAreSentAgainAtOnceWhenTheClustersJustChanged() {
    cache.setSnapshot(NODE, snapshot("c1", List.of("backend"), "e1", "l1"));

    watch(XdsTypes.ENDPOINT, "e1", Set.of("backend"), false, "backend");
    assertThat(sent).isEmpty(); // same names, same version, clusters unchanged: held
    watch(XdsTypes.ENDPOINT, "e1", Set.of("backend"), true, "backend");

    assertThat(sent).containsExactly("eds e1 [backend]");
  }

  @Test
  void missingEndpointsAreSentEmptyWhenTheWatchAllowsIt() {
    cache.setSnapshot(NODE, snapshot("c1", List.of("backend"), "e1", "l1"));
    List<Response> answers = new ArrayList<>();

    cache.createWatch(
        true,
        request(XdsTypes.ENDPOINT, "", "backend", "queue"),
        Set.of(),
        answers::add,
        false,
        true);

    assertThat(answers).hasSize(1);
    assertThat(List.<Object>copyOf(answers.get(0).resources()))
        .containsExactly(
            endpoints("backend"),
            ClusterLoadAssignment.newBuilder().setClusterName("queue").build());
  }

  @Test
  void everyStreamOfOneNodeIdIsAnswered() {
    cache.setSnapshot(NODE, snapshot("c1", List.of("backend"), "e1", "l1"));
    List<Response> first = new ArrayList<>();
    List<Response> second = new ArrayList<>();
    cache.createWatch(true, request(XdsTypes.CLUSTER, "c1"), Set.of(), first::add, false, false);
    cache.createWatch(true, request(XdsTypes.CLUSTER, "c1"), Set.of(), second::add, false, false);
    assertThat(cache.openWatches(NODE)).isEqualTo(2);

    cache.setSnapshot(NODE, snapshot("c2", List.of("backend"), "e1", "l1"));

    assertThat(first).extracting(Response::version).containsExactly("c2");
    assertThat(second).extracting(Response::version).containsExactly("c2");
    assertThat(cache.openWatches(NODE)).isZero();
  }

  @Test
  void aCancelledWatchIsNeitherAnsweredNorKept() {
    cache.setSnapshot(NODE, snapshot("c1", List.of("backend"), "e1", "l1"));
    Watch clusters = watch(XdsTypes.CLUSTER, "c1");
    Watch listeners = watch(XdsTypes.LISTENER, "l1");

    clusters.cancel(); // the stream sent a new request of the type, or closed
    assertThat(cache.openWatches(NODE)).isOne();
    listeners.cancel();
    assertThat(cache.openWatches(NODE)).isZero();
    cache.setSnapshot(NODE, snapshot("c2", List.of("backend"), "e1", "l2"));

    assertThat(sent).isEmpty();
  }

  @Test
  void aSnapshotIsClearedOnlyWhenNoWatchIsOpen() {
    cache.setSnapshot(NODE, snapshot("c1", List.of("backend"), "e1", "l1"));
    Watch open = watch(XdsTypes.CLUSTER, "c1");

    assertThat(cache.clearSnapshot(NODE)).isFalse();
    assertThat(cache.getSnapshot(NODE)).isNotNull();

    open.cancel();
    assertThat(cache.clearSnapshot(NODE)).isTrue();
    assertThat(cache.getSnapshot(NODE)).isNull();
    watch(XdsTypes.CLUSTER, "c1"); // the proxy back: no snapshot, so its request waits
    assertThat(sent).isEmpty();
    assertThat(cache.openWatches(NODE)).isOne();
  }

  @Test
  void answersAreDeliveredOutsideTheProxysLock() {
    cache.setSnapshot(NODE, snapshot("c1", List.of("backend"), "e1", "l1"));
    List<Integer> seenFromAnotherThread = new ArrayList<>();
    cache.createWatch(
        true,
        request(XdsTypes.CLUSTER, "c1"),
        Set.of(),
        response ->
            // the stream's sender reads the cache from its own thread while the answer is handed
            // over: it would wait forever if the publishing thread still held the proxy's lock
            seenFromAnotherThread.add(
                CompletableFuture.supplyAsync(() -> cache.openWatches(NODE), other)
                    .orTimeout(30, TimeUnit.SECONDS)
                    .join()),
        false,
        false);

    cache.setSnapshot(NODE, snapshot("c2", List.of("backend"), "e1", "l1"));

    assertThat(seenFromAnotherThread).containsExactly(0);
  }

  @Test
  void deltaWatchesAreRefused() {
    DeltaXdsRequest delta =
        DeltaXdsRequest.create(
            DeltaDiscoveryRequest.newBuilder()
                .setNode(Node.newBuilder().setId(NODE))
                .setTypeUrl(XdsTypes.CLUSTER)
                .build());

    assertThatThrownBy(
            () -> cache.createDeltaWatch(delta, "", Map.of(), Set.of(), true, r -> {}, false))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining(NODE);
  }

  private Watch watch(String type, String version, String... names) {
    return watch(type, version, Set.of(names), false, names);
  }

  private Watch watch(
      String type, String version, Set<String> known, boolean clustersChanged, String... names) {
    return cache.createWatch(
        true, request(type, version, names), known, this::record, clustersChanged, false);
  }

  private void record(Response response) {
    List<String> names = new ArrayList<>();
    for (Object resource : response.resources()) {
      names.add(nameOf(resource));
    }
    sent.add(
        XdsTypes.shortName(response.request().getTypeUrl())
            + " "
            + response.version()
            + " "
            + names);
  }

  private static String nameOf(Object resource) {
    if (resource instanceof Cluster c) {
      return c.getName();
    }
    if (resource instanceof ClusterLoadAssignment e) {
      return e.getClusterName();
    }
    return ((Listener) resource).getName();
  }

  private static XdsRequest request(String type, String version, String... names) {
    return XdsRequest.create(
        DiscoveryRequest.newBuilder()
            .setNode(Node.newBuilder().setId(NODE))
            .setTypeUrl(type)
            .setVersionInfo(version)
            .addAllResourceNames(List.of(names))
            .build());
  }

  /** Clusters {@code names} with their endpoints, and one outbound listener per cluster. */
  private static Snapshot snapshot(
      String clusterVersion, List<String> names, String endpointVersion, String listenerVersion) {
    List<Cluster> clusters = new ArrayList<>();
    List<ClusterLoadAssignment> endpoints = new ArrayList<>();
    List<Listener> listeners = new ArrayList<>();
    for (String name : names) {
      clusters.add(Cluster.newBuilder().setName(name).build());
      endpoints.add(endpoints(name));
    }
    listeners.add(Listener.newBuilder().setName("outbound:" + names.get(0)).build());
    return Snapshot.create(
        clusters,
        clusterVersion,
        endpoints,
        endpointVersion,
        listeners,
        listenerVersion,
        List.of(),
        "r1",
        List.of(),
        "s1");
  }

  private static ClusterLoadAssignment endpoints(String cluster) {
    return ClusterLoadAssignment.newBuilder()
        .setClusterName(cluster)
        .addEndpoints(LocalityLbEndpoints.getDefaultInstance())
        .build();
  }
}

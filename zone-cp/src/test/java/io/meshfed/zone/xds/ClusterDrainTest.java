package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.meshfed.testing.ManualClock;
import io.meshfed.xds.ProxyConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterDrainTest {
  private static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");
  private static final Duration HOLD = Duration.ofSeconds(5);
  private final ManualClock clock = new ManualClock(T0);
  private final ClusterDrain drain = new ClusterDrain(clock, HOLD);
  private final ProxyId client = new ProxyId(ProxyId.Kind.SIDECAR, "default", "client");

  @Test
  void aProxysFirstConfigIsPublishedAsItIs() {
    ProxyConfig config = config("route-v1", "backend");

    ClusterDrain.Drained drained = drain.apply(client, config);

    assertThat(drained.config()).isEqualTo(config);
    assertThat(drained.rebuildAt()).isEmpty();
  }

  @Test
  void aClusterTheNewConfigDropsStaysWithItsEndpointsUntilTheHoldIsOver() {
    publish(config("route-v1", "backend"));

    ProxyConfig split = config("route-v2", "backend-v1", "backend-v2");
    ClusterDrain.Drained drained = drain.apply(client, split);

    assertThat(names(drained.config())).containsExactly("backend", "backend-v1", "backend-v2");
    assertThat(drained.config().endpoints())
        .extracting(ClusterLoadAssignment::getClusterName)
        .containsExactly("backend", "backend-v1", "backend-v2");
    assertThat(drained.config().routes()).isEqualTo(split.routes());
    assertThat(drained.rebuildAt()).contains(T0.plus(HOLD));
    drain.published(client, sent(drained.config()));

    clock.advance(HOLD.minusMillis(1));
    assertThat(names(drain.apply(client, split).config())).contains("backend");

    clock.advance(Duration.ofMillis(1));
    ClusterDrain.Drained due = drain.apply(client, split);
    assertThat(due.config()).isEqualTo(split);
    assertThat(due.rebuildAt()).isEmpty();
    drain.published(client, sent(due.config()));

    // once gone, the cluster is not kept again from what was published while it was kept
    assertThat(drain.apply(client, split).config()).isEqualTo(split);
  }

  @Test
  void aKeptClusterThatComesBackIsTheNewConfigsOwn() {
    publish(config("route-v1", "backend"));
    publish(config("route-v2", "backend-v1"));

    ProxyConfig back = config("route-v3", "backend");
    ClusterDrain.Drained drained = drain.apply(client, back);

    assertThat(names(drained.config())).containsExactly("backend", "backend-v1");
    // route-v3's backend (connect timeout 3 s), not route-v1's (1 s)
    assertThat(drained.config().clusters().get(0).getConnectTimeout().getSeconds()).isEqualTo(3);
  }

  @Test
  void aForgottenProxyStartsAgainFromItsConfigAlone() {
    publish(config("route-v1", "backend"));
    drain.forget(client);

    ProxyConfig split = config("route-v2", "backend-v1");
    assertThat(drain.apply(client, split).config()).isEqualTo(split);
  }

  @Test
  void aProxyPublishedOftenWhileClustersAreKeptGetsOnePendingRebuild() {
    publish(config("route-v1", "backend"));
    List<Instant> scheduled = new ArrayList<>();

    // 50 publishes inside the hold (e.g. endpoint changes): the first asks for the rebuild
    for (int i = 0; i < 50; i++) {
      ClusterDrain.Drained drained = drain.apply(client, config("route-v2", "backend-v1"));
      drained.rebuildAt().ifPresent(scheduled::add);
      drain.published(client, sent(drained.config()));
      clock.advance(Duration.ofMillis(20));
    }
    assertThat(scheduled).containsExactly(T0.plus(HOLD));

    // a second drop while that rebuild is pending: it goes at the same rebuild, which asks for one
    // more for the second cluster's end
    clock.set(T0.plus(Duration.ofSeconds(2)));
    ClusterDrain.Drained v3 = drain.apply(client, config("route-v3", "web"));
    assertThat(names(v3.config())).containsExactlyInAnyOrder("web", "backend", "backend-v1");
    assertThat(v3.rebuildAt()).isEmpty();
    drain.published(client, sent(v3.config()));

    clock.set(T0.plus(HOLD).plusMillis(1));
    ClusterDrain.Drained rebuilt = drain.apply(client, config("route-v3", "web"));
    assertThat(names(rebuilt.config())).containsExactlyInAnyOrder("web", "backend-v1");
    assertThat(rebuilt.rebuildAt()).contains(T0.plus(Duration.ofSeconds(7)));
    drain.published(client, sent(rebuilt.config()));
    assertThat(drain.apply(client, config("route-v3", "web")).rebuildAt()).isEmpty();

    clock.set(T0.plus(Duration.ofSeconds(7)).plusMillis(1));
    ClusterDrain.Drained last = drain.apply(client, config("route-v3", "web"));
    assertThat(names(last.config())).containsExactly("web");
    assertThat(last.rebuildAt()).isEmpty();
  }

  @Test
  void aRebuildThatRunsBeforeItsTimeAsksForAnotherOne() {
    publish(config("route-v1", "backend"));
    ClusterDrain.Drained dropped = drain.apply(client, config("route-v2", "backend-v1"));
    assertThat(dropped.rebuildAt()).contains(T0.plus(HOLD));
    drain.published(client, sent(dropped.config()));

    // the scheduled rebuild runs while the clock says it is not due (a clock set back, a timer
    // that fired early): the cluster is still kept, so the proxy needs a later rebuild
    drain.rebuildRunning(client);
    ClusterDrain.Drained early = drain.apply(client, config("route-v2", "backend-v1"));
    assertThat(names(early.config())).containsExactlyInAnyOrder("backend", "backend-v1");
    assertThat(early.rebuildAt()).contains(T0.plus(HOLD));
  }

  @Test
  void aForgottenProxyAsksForItsOwnRebuildAgain() {
    publish(config("route-v1", "backend"));
    assertThat(drain.apply(client, config("route-v2", "backend-v1")).rebuildAt()).isPresent();
    drain.forget(client);

    publish(config("route-v1", "backend"));
    assertThat(drain.apply(client, config("route-v2", "backend-v1")).rebuildAt()).isPresent();
  }

  @Test
  void proxiesAreDrainedApart() {
    ProxyId other = new ProxyId(ProxyId.Kind.SIDECAR, "default", "other");
    publish(config("route-v1", "backend"));

    ProxyConfig otherConfig = config("route-v1", "web");
    assertThat(drain.apply(other, otherConfig).config()).isEqualTo(otherConfig);
  }

  private void publish(ProxyConfig config) {
    drain.published(client, sent(drain.apply(client, config).config()));
  }

  /** The snapshot published from {@code config}. */
  private static Snapshot sent(ProxyConfig config) {
    return Snapshot.create(
        config.clusters(),
        config.endpoints(),
        config.listeners(),
        config.routes(),
        config.secrets(),
        "1");
  }

  private static List<String> names(ProxyConfig config) {
    return config.clusters().stream().map(Cluster::getName).toList();
  }

  private static ProxyConfig config(String route, String... clusters) {
    List<Cluster> cs =
        Arrays.stream(clusters)
            .map(
                n ->
                    Cluster.newBuilder()
                        .setName(n)
                        .setType(Cluster.DiscoveryType.EDS)
                        .setConnectTimeout(
                            com.google.protobuf.Duration.newBuilder()
                                .setSeconds(Character.digit(route.charAt(route.length() - 1), 10)))
                        .build())
            .toList();
    List<ClusterLoadAssignment> es =
        Arrays.stream(clusters)
            .map(n -> ClusterLoadAssignment.newBuilder().setClusterName(n).build())
            .toList();
    return new ProxyConfig(
        cs,
        es,
        List.of(),
        List.of(RouteConfiguration.newBuilder().setName(route).build()),
        List.of());
  }
}

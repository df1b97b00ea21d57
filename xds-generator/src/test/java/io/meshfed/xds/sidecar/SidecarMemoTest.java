package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.FAKE_IDENTITY;
import static io.meshfed.xds.sidecar.Fixtures.dataplane;
import static io.meshfed.xds.sidecar.Fixtures.inbound;
import static io.meshfed.xds.sidecar.Fixtures.svc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.meshfed.model.Resource;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.xds.Identity;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.ProxyConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SidecarMemoTest {

  static Stream<Scenarios.Scenario> scenarios() {
    return Scenarios.all();
  }

  private static Optional<Identity> identity(MeshState state) {
    return state.mtlsEnabled() ? Optional.of(FAKE_IDENTITY) : Optional.empty();
  }

  /**
   * Every dataplane of the scenario's mesh, and the scenario's own, built twice in turn with one
   * memo: each config is the one a build without a memo gives (and a failing build fails the same).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void aSharedMemoGivesTheConfigOfABuildAlone(Scenarios.Scenario s) {
    MeshState state = s.state();
    SidecarMemo memo = SidecarMemo.of(state);
    List<Resource> proxies = new ArrayList<>(state.dataplanes());
    proxies.add(s.dataplane());
    for (int round = 0; round < 2; round++) {
      for (Resource dataplane : proxies) {
        assertBuildsAsAlone(s, state, dataplane, memo, dataplane.key() + ", round " + round);
      }
    }
  }

  /** A state of the scenario's mesh before a change: what a memo may be carried over from. */
  record Before(String change, MeshState state) {
    @Override
    public String toString() {
      return change;
    }
  }

  static Stream<Arguments> changes() {
    return Scenarios.all()
        .flatMap(
            s -> {
              MeshState b = s.state();
              return Stream.of(
                      new Before(
                          "same content",
                          copy(
                              b,
                              b.dataplanes(),
                              b.trafficRoutes(),
                              b.policies(),
                              b.trafficPermissions())),
                      new Before(
                          "routes changed",
                          copy(b, b.dataplanes(), List.of(), b.policies(), b.trafficPermissions())),
                      new Before(
                          "policies changed",
                          copy(
                              b,
                              b.dataplanes(),
                              b.trafficRoutes(),
                              Map.of(),
                              b.trafficPermissions())),
                      new Before(
                          "permissions changed",
                          copy(b, b.dataplanes(), b.trafficRoutes(), b.policies(), List.of())),
                      new Before(
                          "dataplanes changed",
                          copy(
                              b,
                              List.of(),
                              b.trafficRoutes(),
                              b.policies(),
                              b.trafficPermissions())))
                  .map(before -> Arguments.of(s, before));
            });
  }

  private static MeshState copy(
      MeshState s,
      List<Resource> dataplanes,
      List<Resource> routes,
      Map<String, List<Resource>> policies,
      List<Resource> permissions) {
    return new MeshState(
        s.zone(), s.mesh(), dataplanes, s.zoneIngresses(), permissions, routes, policies);
  }

  /**
   * Every proxy of a scenario built with a memo of the mesh's state before a change, then with the
   * memo after it ({@link SidecarMemo#after}): each config is the one a build without a memo gives.
   */
  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("changes")
  void aMemoAfterAChangeGivesTheConfigOfABuildAlone(Scenarios.Scenario s, Before before) {
    List<Resource> proxies = new ArrayList<>(s.state().dataplanes());
    proxies.add(s.dataplane());
    SidecarMemo earlier = SidecarMemo.of(before.state());
    for (Resource dataplane : proxies) {
      try {
        SidecarGenerator.generate(
            before.state(), dataplane, identity(before.state()), s.accessLogSocketPath(), earlier);
      } catch (IllegalArgumentException e) {
        // a proxy the earlier state cannot build leaves nothing in the memo
      }
    }
    MeshState state = s.state();
    SidecarMemo memo = SidecarMemo.after(earlier, state);
    for (Resource dataplane : proxies) {
      assertBuildsAsAlone(s, state, dataplane, memo, dataplane.key().toString());
    }
  }

  /**
   * {@code dataplane}'s config built from {@code next} with a memo after {@code earlier}; checked
   * to be the config a build without a memo gives.
   */
  private static ProxyConfig buildAfter(SidecarMemo earlier, MeshState next, Resource dataplane) {
    ProxyConfig built =
        SidecarGenerator.generate(
            next, dataplane, identity(next), Optional.empty(), SidecarMemo.after(earlier, next));
    assertThat(built)
        .isEqualTo(SidecarGenerator.generate(next, dataplane, identity(next), Optional.empty()));
    return built;
  }

  /**
   * {@code dataplane}'s config built from {@code state} with {@code memo} is the one a build
   * without a memo gives, or fails with the same message.
   */
  private static void assertBuildsAsAlone(
      Scenarios.Scenario s, MeshState state, Resource dataplane, SidecarMemo memo, String what) {
    ProxyConfig alone;
    try {
      alone = SidecarGenerator.generate(state, dataplane, identity(state), s.accessLogSocketPath());
    } catch (IllegalArgumentException e) {
      assertThatThrownBy(
              () ->
                  SidecarGenerator.generate(
                      state, dataplane, identity(state), s.accessLogSocketPath(), memo))
          .as(what)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(e.getMessage());
      return;
    }
    assertThat(
            SidecarGenerator.generate(
                state, dataplane, identity(state), s.accessLogSocketPath(), memo))
        .as(what)
        .isEqualTo(alone);
  }

  @Test
  void aRouteChangeHandsOverTheInboundPartsAndTheClustersItDoesNotTouch() {
    Scenarios.Scenario s = Scenarios.mtlsSplitByZone();
    MeshState state = s.state();
    SidecarMemo earlier = SidecarMemo.of(state);
    ProxyConfig a =
        SidecarGenerator.generate(state, s.dataplane(), identity(state), Optional.empty(), earlier);
    // the split by zone gets other weights: every outbound listener changes, no cluster does
    List<Resource> routes = new ArrayList<>(state.trafficRoutes());
    routes.set(
        0,
        Fixtures.route(
            "backend-by-zone",
            List.of(svc("web")),
            List.of(svc("backend")),
            Fixtures.split(
                Fixtures.weight(80, svc("backend", Tags.ZONE, "zone-1")),
                Fixtures.weight(20, svc("backend", Tags.ZONE, "zone-2")),
                Fixtures.weight(0, svc("backend", "version", "v3")))));
    MeshState next =
        copy(state, state.dataplanes(), routes, state.policies(), state.trafficPermissions());

    ProxyConfig b = buildAfter(earlier, next, s.dataplane());

    assertThat(inboundListener(b)).isSameAs(inboundListener(a));
    assertThat(b.routes()).hasSameSizeAs(a.routes());
    for (int i = 0; i < a.routes().size(); i++) {
      assertThat(b.routes().get(i)).isSameAs(a.routes().get(i));
    }
    assertThat(outbound(b)).isNotEqualTo(outbound(a));
    assertThat(b.clusters()).hasSameSizeAs(a.clusters()).hasSizeGreaterThan(1);
    for (int i = 0; i < a.clusters().size(); i++) {
      assertThat(b.clusters().get(i)).isSameAs(a.clusters().get(i));
    }
  }

  @Test
  void aPolicyChangeBuildsTheClustersAgain() {
    Scenarios.Scenario s = Scenarios.mtlsSplitByZone();
    MeshState state = s.state();
    SidecarMemo earlier = SidecarMemo.of(state);
    ProxyConfig a =
        SidecarGenerator.generate(state, s.dataplane(), identity(state), Optional.empty(), earlier);
    MeshState next =
        copy(
            state,
            state.dataplanes(),
            state.trafficRoutes(),
            state.policies(),
            List.of(Fixtures.permission("web-only", List.of(svc("web")), List.of(svc("*")))));

    ProxyConfig b = buildAfter(earlier, next, s.dataplane());

    assertThat(inboundListener(b)).isNotSameAs(inboundListener(a));
    assertThat(cluster(b, "localhost:8080")).isSameAs(cluster(a, "localhost:8080"));
  }

  @Test
  void proxiesWithTheSameInputsGetTheSameOutboundObjects() {
    Scenarios.Scenario s = Scenarios.mtlsSplitByZone();
    MeshState state = s.state();
    Resource web1 = s.dataplane();
    DataplaneSpec.Networking net = web1.spec(DataplaneSpec.class).networking();
    Resource web2 = dataplane("web-2", "10.0.0.9", net.inbound(), net.outbound());
    SidecarMemo memo = SidecarMemo.of(state);

    ProxyConfig a = SidecarGenerator.generate(state, web1, identity(state), Optional.empty(), memo);
    ProxyConfig b = SidecarGenerator.generate(state, web2, identity(state), Optional.empty(), memo);

    Listener outboundA = outbound(a);
    assertThat(outbound(b)).isSameAs(outboundA);
    List<Cluster> edsA = a.clusters().stream().filter(c -> c.hasEdsClusterConfig()).toList();
    List<Cluster> edsB = b.clusters().stream().filter(c -> c.hasEdsClusterConfig()).toList();
    assertThat(edsA).isNotEmpty().hasSameSizeAs(edsB);
    for (int i = 0; i < edsA.size(); i++) {
      assertThat(edsB.get(i)).isSameAs(edsA.get(i));
    }
    List<ClusterLoadAssignment> endpointsA = a.endpoints();
    assertThat(endpointsA).isNotEmpty().hasSameSizeAs(b.endpoints());
    for (int i = 0; i < endpointsA.size(); i++) {
      assertThat(b.endpoints().get(i)).isSameAs(endpointsA.get(i));
    }
    // the inbound side is each proxy's own
    assertThat(a.listeners()).isNotEqualTo(b.listeners());
  }

  @Test
  void aProxyWithOtherInboundTagsBuildsItsOwnOutbounds() {
    Scenarios.Scenario s = Scenarios.mtlsSplitByZone();
    MeshState state = s.state();
    DataplaneSpec.Networking net = s.dataplane().spec(DataplaneSpec.class).networking();
    Resource admin =
        dataplane(
            "admin-1", "10.0.0.8", List.of(inbound(10081, 8081, svc("admin"))), net.outbound());
    SidecarMemo memo = SidecarMemo.of(state);

    ProxyConfig web =
        SidecarGenerator.generate(state, s.dataplane(), identity(state), Optional.empty(), memo);
    ProxyConfig other =
        SidecarGenerator.generate(state, admin, identity(state), Optional.empty(), memo);

    assertThat(outbound(other)).isNotSameAs(outbound(web));
    assertThat(other)
        .isEqualTo(SidecarGenerator.generate(state, admin, identity(state), Optional.empty()));
  }

  @Test
  void proxiesDifferingOnlyByATagNoSourceSelectorNamesShareTheirOutbounds() {
    Scenarios.Scenario s = Scenarios.mtlsSplitByZone();
    MeshState state = s.state();
    Resource v2 = webV2(s);
    SidecarMemo memo = SidecarMemo.of(state);

    ProxyConfig a =
        SidecarGenerator.generate(state, s.dataplane(), identity(state), Optional.empty(), memo);
    ProxyConfig b = SidecarGenerator.generate(state, v2, identity(state), Optional.empty(), memo);

    assertThat(outbound(b)).isSameAs(outbound(a));
    assertThat(b)
        .isEqualTo(SidecarGenerator.generate(state, v2, identity(state), Optional.empty()));
  }

  @Test
  void aTagThatASourceSelectorNamesKeepsTheProxiesApart() {
    Scenarios.Scenario s = Scenarios.mtlsSplitByZone();
    MeshState st = s.state();
    List<Resource> routes = new ArrayList<>(st.trafficRoutes());
    routes.add(
        Fixtures.route(
            "v2-to-backend-v1",
            List.of(svc("web", "version", "v2")),
            List.of(svc("backend")),
            Fixtures.split(Fixtures.weight(1, svc("backend", "version", "v1")))));
    MeshState state =
        new MeshState(
            st.zone(),
            st.mesh(),
            st.dataplanes(),
            st.zoneIngresses(),
            st.trafficPermissions(),
            routes,
            st.policies());
    Resource v2 = webV2(s);
    SidecarMemo memo = SidecarMemo.of(state);

    ProxyConfig a =
        SidecarGenerator.generate(state, s.dataplane(), identity(state), Optional.empty(), memo);
    ProxyConfig b = SidecarGenerator.generate(state, v2, identity(state), Optional.empty(), memo);

    assertThat(outbound(b)).isNotEqualTo(outbound(a));
    assertThat(a)
        .isEqualTo(
            SidecarGenerator.generate(state, s.dataplane(), identity(state), Optional.empty()));
    assertThat(b)
        .isEqualTo(SidecarGenerator.generate(state, v2, identity(state), Optional.empty()));
  }

  /** The scenario's web proxy, another instance tagged {@code version: v2}. */
  private static Resource webV2(Scenarios.Scenario s) {
    DataplaneSpec.Networking net = s.dataplane().spec(DataplaneSpec.class).networking();
    return dataplane(
        "web-2",
        "10.0.0.9",
        List.of(inbound(10080, 8080, svc("web", "version", "v2"))),
        net.outbound());
  }

  @Test
  void aMemoOfAnotherStateIsRefused() {
    Scenarios.Scenario s = Scenarios.mtlsSplitByZone();
    SidecarMemo other = SidecarMemo.of(Scenarios.mtlsOffLocal().state());

    assertThatThrownBy(
            () ->
                SidecarGenerator.generate(
                    s.state(), s.dataplane(), identity(s.state()), Optional.empty(), other))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("memo of another mesh state");
    assertThat(other.size()).isZero();
  }

  private static Listener inboundListener(ProxyConfig config) {
    return config.listeners().stream()
        .filter(l -> l.getName().startsWith("inbound:"))
        .findFirst()
        .orElseThrow();
  }

  private static Cluster cluster(ProxyConfig config, String name) {
    return config.clusters().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static Listener outbound(ProxyConfig config) {
    return config.listeners().stream()
        .filter(l -> l.getName().startsWith("outbound:"))
        .findFirst()
        .orElseThrow();
  }
}

package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.FAKE_IDENTITY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBACPerRoute;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.meshfed.model.Resource;
import io.meshfed.model.spec.Tags;
import io.meshfed.xds.EnvoyJson;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.ProxyConfig;
import io.meshfed.xds.Sni;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SidecarGeneratorTest {

  static ProxyConfig generate(Scenarios.Scenario s) {
    return SidecarGenerator.generate(
        s.state(),
        s.dataplane(),
        s.state().mtlsEnabled() ? Optional.of(FAKE_IDENTITY) : Optional.empty(),
        s.accessLogSocketPath());
  }

  static Stream<Scenarios.Scenario> scenarios() {
    return Scenarios.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void matchesGoldenFile(Scenarios.Scenario s) {
    Golden.assertMatches("sidecar/" + s.name() + ".json", print(generate(s)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void sameInputInAnyOrderGivesIdenticalProtos(Scenarios.Scenario s) {
    MeshState st = s.state();
    Random random = new Random(42);
    MeshState shuffled =
        new MeshState(
            st.zone(),
            st.mesh(),
            shuffle(st.dataplanes(), random),
            shuffle(st.zoneIngresses(), random),
            shuffle(st.trafficPermissions(), random),
            shuffle(st.trafficRoutes(), random),
            shuffleEach(st.policies(), random));
    ProxyConfig a = generate(s);
    ProxyConfig b =
        generate(
            new Scenarios.Scenario(s.name(), shuffled, s.dataplane(), s.accessLogSocketPath()));
    assertThat(b).isEqualTo(a);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void theZonesSnapshotCheckAcceptsIt(Scenarios.Scenario s) throws Exception {
    ProxyConfig c = generate(s);
    // what the zone runs before publishing: every EDS and RDS reference resolves, none is extra
    Snapshot.create(
            c.clusters(),
            "1",
            c.endpoints(),
            "1",
            c.listeners(),
            "1",
            c.routes(),
            "1",
            c.secrets(),
            "1")
        .ensureConsistent();
  }

  @Test
  void mtlsOffIsPlainTcpWithLocalReadyEndpointsOnly() {
    ProxyConfig c = generate(Scenarios.mtlsOffLocal());

    assertThat(c.secrets()).isEmpty();
    assertThat(c.listeners())
        .extracting(Listener::getName)
        .containsExactly("inbound:10.0.0.1:10080", "outbound:127.0.0.1:10001");
    for (Listener l : c.listeners()) {
      assertThat(l.getFilterChains(0).hasTransportSocket()).as(l.getName()).isFalse();
      assertThat(l.getFilterChains(0).getFiltersList())
          .extracting(Filter::getName)
          .containsExactly("envoy.filters.network.tcp_proxy");
    }
    assertThat(c.clusters())
        .extracting(Cluster::getName)
        .containsExactly("backend", "localhost:8080");
    assertThat(c.clusters()).allMatch(cl -> !cl.hasTransportSocket());
    assertThat(addresses(endpoints(c, "backend"))).containsExactly("zone-1 10.0.0.2:10080 w1");
  }

  @Test
  void permissionsBecomePrincipalsOverUriSans() throws Exception {
    ProxyConfig c = generate(Scenarios.mtlsPermissions());
    RBAC rbac = inboundRbac(c);

    assertThat(rbac.getRules().getPoliciesMap())
        .containsOnlyKeys("allow-web-and-friends", "allow-any-versioned");
    List<Principal> principals =
        rbac.getRules().getPoliciesMap().get("allow-web-and-friends").getPrincipalsList();
    assertThat(principals).hasSize(3);
    assertThat(names(principals.get(0))).containsExactly("exact spiffe://default/web");
    assertThat(names(principals.get(1)))
        .containsExactly("prefix spiffe://default/", "exact kuma://kuma.io/zone/zone-2");
    assertThat(names(principals.get(2))).containsExactly("prefix kuma://team/");
    assertThat(c.secrets())
        .extracting(s -> s.getName())
        .containsExactly("identity_cert:default", "mesh_ca:default");
  }

  @Test
  void noMatchingPermissionDeniesEverything() throws Exception {
    RBAC rbac = inboundRbac(generate(Scenarios.denyAll()));

    assertThat(rbac.hasRules()).isTrue();
    assertThat(rbac.getRules().getAction())
        .isEqualTo(io.envoyproxy.envoy.config.rbac.v3.RBAC.Action.ALLOW);
    assertThat(rbac.getRules().getPoliciesMap()).isEmpty();
  }

  @Test
  void splitByZoneWeighsRemoteIngressByInstances() throws Exception {
    ProxyConfig c = generate(Scenarios.mtlsSplitByZone());
    String zone1 = new ClusterKey("backend", Map.of(Tags.ZONE, "zone-1")).name();
    String zone2 = new ClusterKey("backend", Map.of(Tags.ZONE, "zone-2")).name();

    assertThat(c.clusters())
        .extracting(Cluster::getName)
        .containsExactlyInAnyOrder(zone1, zone2, "localhost:8080");
    TcpProxy tcp =
        listener(c, "outbound:127.0.0.1:10001")
            .getFilterChains(0)
            .getFilters(0)
            .getTypedConfig()
            .unpack(TcpProxy.class);
    assertThat(tcp.getWeightedClusters().getClustersList())
        .extracting(w -> w.getName() + "=" + w.getWeight())
        .containsExactly(zone1 + "=50", zone2 + "=50");
    assertThat(addresses(endpoints(c, zone1)))
        .containsExactly("zone-1 10.0.0.2:10080 w1", "zone-1 10.0.0.3:10080 w1");
    assertThat(addresses(endpoints(c, zone2))).containsExactly("zone-2 192.168.2.10:10001 w3");
    UpstreamTlsContext tls =
        cluster(c, zone2).getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
    assertThat(tls.getSni()).isEqualTo(Sni.of("default", "backend", Map.of(Tags.ZONE, "zone-2")));
    assertThat(
            tls.getCommonTlsContext()
                .getCombinedValidationContext()
                .getDefaultValidationContext()
                .getMatchTypedSubjectAltNames(0)
                .getMatcher()
                .getExact())
        .isEqualTo("spiffe://default/backend");
  }

  @Test
  void httpRulesComeFirstThenTheCatchAll() throws Exception {
    ProxyConfig c = generate(Scenarios.mtlsHttp());
    HttpConnectionManager hcm =
        listener(c, "outbound:127.0.0.1:10001")
            .getFilterChains(0)
            .getFilters(0)
            .getTypedConfig()
            .unpack(HttpConnectionManager.class);
    List<Route> routes = hcm.getRouteConfig().getVirtualHosts(0).getRoutesList();

    assertThat(routes).hasSize(4);
    assertThat(routes.get(0).getMatch().getPrefix()).isEqualTo("/users");
    assertThat(routes.get(0).getMatch().getHeaders(0).getName()).isEqualTo(":method");
    assertThat(routes.get(0).getRoute().getCluster())
        .isEqualTo(new ClusterKey("backend", Map.of("version", "v2")).name());
    assertThat(routes.get(1).getMatch().getPath()).isEqualTo("/healthz");
    assertThat(routes.get(1).getRoute().getWeightedClusters().getClustersCount()).isEqualTo(2);
    assertThat(routes.get(2).getMatch().getSafeRegex().getRegex()).isEqualTo("^/api/v[0-9]+/.*");
    assertThat(routes.get(2).getMatch().getHeaders(0).getStringMatch().getPrefix())
        .isEqualTo("admin-");
    assertThat(routes.get(3).getMatch().getPrefix()).isEqualTo("/");
    assertThat(routes.get(3).getRoute().getWeightedClusters().getClustersCount()).isEqualTo(2);
    assertThat(c.clusters()).hasSize(5); // v1, v2, zone-1, zone-2, localhost:8080
    assertThat(addresses(endpoints(c, new ClusterKey("backend", Map.of("version", "v2")).name())))
        .containsExactly("zone-1 10.0.0.3:10080 w1", "zone-2 192.168.2.10:10001 w2");
  }

  @Test
  void identityMustAgreeWithTheMeshMtls() {
    Scenarios.Scenario on = Scenarios.denyAll();
    Scenarios.Scenario off = Scenarios.mtlsOffLocal();

    assertThatThrownBy(
            () -> SidecarGenerator.generate(on.state(), on.dataplane(), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "identity: absent (expected: present, mesh 'default' has mTLS enabled)");
    assertThatThrownBy(
            () ->
                SidecarGenerator.generate(off.state(), off.dataplane(), Optional.of(FAKE_IDENTITY)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("identity: present");
  }

  @Test
  void clusterNameHashIsTheDocumentedFnv1a32() {
    // FNV-1a-32("version=v1") computed by hand from the published algorithm.
    int h = 0x811c9dc5;
    for (byte b : "version=v1".getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x01000193;
    }
    assertThat(new ClusterKey("backend", Map.of("version", "v1", Tags.SERVICE, "backend")).name())
        .isEqualTo("backend_" + String.format("%08x", h));
    assertThat(new ClusterKey("backend", Map.of()).name()).isEqualTo("backend");
    assertThat(new ClusterKey("backend", Map.of("a", "1", "b", "2")).name())
        .isNotEqualTo(new ClusterKey("backend", Map.of("a", "12")).name());
  }

  @Test
  void theMostSpecificRouteWinsThenTheName() {
    var exact =
        Fixtures.route(
            "z-exact", List.of(Fixtures.svc("web")), List.of(Fixtures.svc("backend")), null);
    var exactToo =
        Fixtures.route(
            "b-exact", List.of(Fixtures.svc("web")), List.of(Fixtures.svc("backend")), null);
    var wildcard =
        Fixtures.route("a-wild", List.of(Fixtures.svc("*")), List.of(Fixtures.svc("*")), null);
    var more =
        Fixtures.route(
            "y-more",
            List.of(Fixtures.svc("web", "version", "*")),
            List.of(Fixtures.svc("backend")),
            null);
    List<Map<String, String>> web = List.of(Fixtures.svc("web", "version", "v1"));
    var conf =
        new io.meshfed.model.spec.TrafficRouteSpec.Conf(null, null, Fixtures.svc("backend"), null);
    var routes =
        Stream.of(exact, exactToo, wildcard, more)
            .map(
                r ->
                    r.withSpec(
                        new io.meshfed.model.spec.TrafficRouteSpec(
                            r.spec(io.meshfed.model.spec.TrafficRouteSpec.class).sources(),
                            r.spec(io.meshfed.model.spec.TrafficRouteSpec.class).destinations(),
                            conf)))
            .toList();

    assertThat(RouteSelector.select(routes, web, "backend").orElseThrow().name())
        .isEqualTo("y-more");
    assertThat(RouteSelector.select(routes.subList(0, 3), web, "backend").orElseThrow().name())
        .isEqualTo("b-exact");
    assertThat(RouteSelector.select(routes, List.of(), "backend").orElseThrow().name())
        .isEqualTo("a-wild");
    assertThat(RouteSelector.select(routes, web, "db").orElseThrow().name()).isEqualTo("a-wild");
    assertThat(RouteSelector.select(routes.subList(0, 2), web, "db")).isEmpty();
  }

  @Test
  void httpInboundChecksPermissionsPerRequestFromItsRouteConfiguration() throws Exception {
    ProxyConfig c = generate(Scenarios.l7("mtls-l7-http", true, Scenarios.HTTP));
    Listener inbound = listener(c, "inbound:10.0.0.5:10080");

    assertThat(inbound.getFilterChains(0).hasTransportSocket()).isTrue();
    assertThat(inbound.getFilterChains(0).getFiltersList())
        .extracting(Filter::getName)
        .containsExactly("envoy.http_connection_manager");
    HttpConnectionManager hcm = hcm(inbound);
    assertThat(hcm.getStatPrefix()).isEqualTo("localhost_8080");
    assertThat(hcm.getRds().getRouteConfigName()).isEqualTo("inbound:10.0.0.5:10080");
    assertThat(hcm.getRds().getConfigSource()).isEqualTo(Xds.ADS);
    assertThat(hcm.getHttpFiltersList())
        .extracting(HttpFilter::getName)
        .containsExactly("envoy.filters.http.rbac", "envoy.filters.http.router");
    var listenerRbac =
        hcm.getHttpFilters(0)
            .getTypedConfig()
            .unpack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class);
    assertThat(listenerRbac.getRules().getAction())
        .isEqualTo(io.envoyproxy.envoy.config.rbac.v3.RBAC.Action.ALLOW);
    assertThat(listenerRbac.getRules().getPoliciesMap()).as("denies unless overridden").isEmpty();

    assertThat(c.routes())
        .extracting(RouteConfiguration::getName)
        .containsExactly(inbound.getName());
    VirtualHost vhost = c.routes().get(0).getVirtualHosts(0);
    assertThat(vhost.getName()).isEqualTo("api");
    assertThat(vhost.getRoutes(0).getMatch().getPrefix()).isEqualTo("/");
    assertThat(vhost.getRoutes(0).getRoute().getCluster()).isEqualTo("localhost:8080");
    RBACPerRoute perRoute =
        vhost
            .getTypedPerFilterConfigMap()
            .get("envoy.filters.http.rbac")
            .unpack(RBACPerRoute.class);
    assertThat(perRoute.getRbac().getRules().getPoliciesMap()).containsOnlyKeys("web-to-api");
    assertThat(
            perRoute
                .getRbac()
                .getRules()
                .getPoliciesMap()
                .get("web-to-api")
                .getPrincipals(0)
                .getAndIds()
                .getIds(0)
                .getAuthenticated()
                .getPrincipalName()
                .getExact())
        .isEqualTo("spiffe://default/web");

    // http: HTTP/1.1 to the app and to backend, through HTTP connection managers
    assertThat(cluster(c, "localhost:8080").getTypedExtensionProtocolOptionsMap()).isEmpty();
    assertThat(cluster(c, "backend").getTypedExtensionProtocolOptionsMap()).isEmpty();
    assertThat(listener(c, "outbound:127.0.0.1:10001").getFilterChains(0).getFilters(0).getName())
        .isEqualTo("envoy.http_connection_manager");
  }

  @ParameterizedTest
  @ValueSource(strings = {"http2", "grpc"})
  void http2AndGrpcSpeakHttp2ToTheAppAndToTheService(String protocol) throws Exception {
    ProxyConfig c = generate(Scenarios.l7("l7", true, protocol));

    assertThat(hcm(listener(c, "inbound:10.0.0.5:10080")).getRds().getRouteConfigName())
        .isEqualTo("inbound:10.0.0.5:10080");
    assertThat(hcm(listener(c, "outbound:127.0.0.1:10001")).getRouteConfig().getName())
        .isEqualTo("outbound:backend");
    for (String name : List.of("localhost:8080", "backend")) {
      Any options =
          cluster(c, name)
              .getTypedExtensionProtocolOptionsMap()
              .get("envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
      assertThat(options).as("%s protocol options", name).isNotNull();
      assertThat(
              options
                  .unpack(HttpProtocolOptions.class)
                  .getExplicitHttpConfig()
                  .hasHttp2ProtocolOptions())
          .as(name)
          .isTrue();
    }
    // the zone-2 instances (their protocol known from the ingress) are in the HTTP/2 cluster
    assertThat(addresses(endpoints(c, "backend")))
        .containsExactly("zone-1 10.0.0.2:10080 w1", "zone-2 192.168.2.10:10001 w2");
  }

  @Test
  void mixedProtocolsFallBackToTcp() throws Exception {
    ProxyConfig c = generate(Scenarios.mixedProtocols());

    assertThat(listener(c, "outbound:127.0.0.1:10001").getFilterChains(0).getFiltersList())
        .extracting(Filter::getName)
        .containsExactly("envoy.filters.network.tcp_proxy");
    assertThat(cluster(c, "backend").getTypedExtensionProtocolOptionsMap()).isEmpty();
    assertThat(addresses(endpoints(c, "backend")))
        .containsExactly("zone-1 10.0.0.2:10080 w1", "zone-2 192.168.2.10:10001 w2");
    assertThat(c.routes()).isEmpty(); // web's own inbound is TCP
  }

  @Test
  void withoutMtlsAnHttpInboundHasNoRbac() throws Exception {
    ProxyConfig c = generate(Scenarios.l7("mtls-off-l7-http2", false, "http2"));
    Listener inbound = listener(c, "inbound:10.0.0.5:10080");

    assertThat(inbound.getFilterChains(0).hasTransportSocket()).isFalse();
    assertThat(hcm(inbound).getHttpFiltersList())
        .extracting(HttpFilter::getName)
        .containsExactly("envoy.filters.http.router");
    assertThat(c.routes().get(0).getVirtualHosts(0).getTypedPerFilterConfigMap()).isEmpty();
    assertThat(cluster(c, "localhost:8080").getTypedExtensionProtocolOptionsMap()).hasSize(1);
  }

  @Test
  void twoInboundsOnOneServicePortMustAgreeOnTheHttpVersion() {
    var dp =
        Fixtures.dataplane(
            "api-1",
            "10.0.0.5",
            List.of(
                Fixtures.inbound(10080, 8080, Fixtures.svc("api", Tags.PROTOCOL, "http2")),
                Fixtures.inbound(10081, 8080, Fixtures.svc("api-v1", Tags.PROTOCOL, "http"))),
            List.of());
    MeshState state =
        new MeshState(
            Fixtures.ZONE, Fixtures.mesh(false), List.of(dp), List.of(), List.of(), List.of());

    assertThatThrownBy(() -> SidecarGenerator.generate(state, dp, Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("networking.inbound[port=10081]")
        .hasMessageContaining("kuma.io/protocol 'http'")
        .hasMessageContaining("(expected the same address and HTTP version as the other inbound");
  }

  @Test
  void aPermissionChangeOnAnHttpInboundChangesOnlyItsRouteConfiguration() {
    Scenarios.Scenario s = Scenarios.l7("l7", true, Scenarios.HTTP);
    MeshState st = s.state();
    MeshState revoked =
        new MeshState(
            st.zone(),
            st.mesh(),
            st.dataplanes(),
            st.zoneIngresses(),
            st.trafficPermissions().stream().filter(p -> !p.name().equals("web-to-api")).toList(),
            st.trafficRoutes());

    ProxyConfig before = generate(s);
    ProxyConfig after = generate(new Scenarios.Scenario("l7", revoked, s.dataplane()));

    // the listener stays as it is, so Envoy does not drain its connections ...
    assertThat(after.listeners()).isEqualTo(before.listeners());
    assertThat(after.clusters()).isEqualTo(before.clusters());
    // ... and the next request on any of them meets the new rules: nobody is allowed any more
    assertThat(after.routes()).isNotEqualTo(before.routes());
    assertThat(after.routes().get(0).getVirtualHosts(0).getTypedPerFilterConfigMap())
        .containsKey("envoy.filters.http.rbac");
  }

  // --- helpers ---

  static String print(ProxyConfig c) {
    return "{\n\"clusters\": "
        + EnvoyJson.print(c.clusters())
        + ",\n\"endpoints\": "
        + EnvoyJson.print(c.endpoints())
        + ",\n\"listeners\": "
        + EnvoyJson.print(c.listeners())
        + ",\n\"routes\": "
        + EnvoyJson.print(c.routes())
        + ",\n\"secrets\": "
        + EnvoyJson.print(c.secrets())
        + "\n}\n";
  }

  private static Map<String, List<Resource>> shuffleEach(
      Map<String, List<Resource>> in, Random random) {
    Map<String, List<Resource>> out = new java.util.TreeMap<>();
    in.forEach((type, list) -> out.put(type, shuffle(list, random)));
    return out;
  }

  private static <T> List<T> shuffle(List<T> in, Random random) {
    List<T> copy = new ArrayList<>(in);
    Collections.reverse(copy);
    Collections.shuffle(copy, random);
    return copy;
  }

  private static Listener listener(ProxyConfig c, String name) {
    return c.listeners().stream().filter(l -> l.getName().equals(name)).findFirst().orElseThrow();
  }

  private static HttpConnectionManager hcm(Listener l) throws InvalidProtocolBufferException {
    return l.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
  }

  private static Cluster cluster(ProxyConfig c, String name) {
    return c.clusters().stream().filter(l -> l.getName().equals(name)).findFirst().orElseThrow();
  }

  private static ClusterLoadAssignment endpoints(ProxyConfig c, String cluster) {
    return c.endpoints().stream()
        .filter(e -> e.getClusterName().equals(cluster))
        .findFirst()
        .orElseThrow(
            () -> new AssertionError("no endpoints for " + cluster + " in " + c.endpoints()));
  }

  private static List<String> addresses(ClusterLoadAssignment cla) {
    List<String> out = new ArrayList<>();
    for (LocalityLbEndpoints l : cla.getEndpointsList()) {
      assertThat(l.getPriority()).isZero();
      for (LbEndpoint e : l.getLbEndpointsList()) {
        var sa = e.getEndpoint().getAddress().getSocketAddress();
        out.add(
            l.getLocality().getZone()
                + " "
                + sa.getAddress()
                + ":"
                + sa.getPortValue()
                + " w"
                + e.getLoadBalancingWeight().getValue());
      }
    }
    return out;
  }

  private static RBAC inboundRbac(ProxyConfig c) throws InvalidProtocolBufferException {
    Listener inbound =
        c.listeners().stream()
            .filter(l -> l.getName().startsWith("inbound:"))
            .findFirst()
            .orElseThrow();
    assertThat(inbound.getFilterChains(0).hasTransportSocket()).isTrue();
    assertThat(inbound.getFilterChains(0).getFiltersList())
        .extracting(Filter::getName)
        .containsExactly("envoy.filters.network.rbac", "envoy.filters.network.tcp_proxy");
    return inbound.getFilterChains(0).getFilters(0).getTypedConfig().unpack(RBAC.class);
  }

  private static List<String> names(Principal p) {
    return p.getAndIds().getIdsList().stream()
        .map(Principal::getAuthenticated)
        .map(
            a ->
                a.getPrincipalName().getMatchPatternCase()
                        == io.envoyproxy.envoy.type.matcher.v3.StringMatcher.MatchPatternCase.PREFIX
                    ? "prefix " + a.getPrincipalName().getPrefix()
                    : "exact " + a.getPrincipalName().getExact())
        .toList();
  }
}

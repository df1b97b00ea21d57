package io.meshfed.xds.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.direct_response.v3.Config;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.EnvoyAdmin;
import io.meshfed.model.spec.ZoneIngressSpec;
import io.meshfed.testing.EnvoyBinary;
import io.meshfed.xds.EnvoyJson;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.ProxyConfig;
import io.meshfed.xds.Sni;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngressGeneratorTest {
  private static final String ZONE = "zone-1";

  private static final String INGRESS =
      """
      type: ZoneIngress
      name: zone-1-ingress
      zone: zone-1
      networking:
        address: 10.0.0.254
        port: 10001
        advertisedAddress: 203.0.113.1
        advertisedPort: 10001
      """;

  /** Mesh default: backend (2 ready, 1 not), web; mesh payments: ledger on its own address. */
  private static final String TWO_MESHES =
      """
      type: Mesh
      name: default
      mtls:
        enabledBackend: ca-1
        backends: [{name: ca-1, type: builtin}]
      ---
      type: Mesh
      name: payments
      mtls:
        enabledBackend: ca-1
        backends: [{name: ca-1, type: builtin}]
      ---
      type: Dataplane
      mesh: default
      name: backend-1
      networking:
        address: 10.0.0.1
        inbound:
        - {port: 8080, servicePort: 80, tags: {kuma.io/service: backend, kuma.io/zone: zone-1}}
      ---
      type: Dataplane
      mesh: default
      name: backend-2
      networking:
        address: 10.0.0.2
        inbound:
        - {port: 8080, servicePort: 80, tags: {kuma.io/service: backend, kuma.io/zone: zone-1}}
      ---
      type: Dataplane
      mesh: default
      name: backend-sick
      networking:
        address: 10.0.0.9
        inbound:
        - port: 8080
          servicePort: 80
          health: {ready: false}
          tags: {kuma.io/service: backend, kuma.io/zone: zone-1}
      ---
      type: Dataplane
      mesh: default
      name: web-1
      networking:
        address: 10.0.0.3
        inbound:
        - {port: 8081, servicePort: 80, tags: {kuma.io/service: web, kuma.io/zone: zone-1}}
      ---
      type: Dataplane
      mesh: payments
      name: ledger-1
      networking:
        address: 10.0.1.1
        inbound:
        - port: 7000
          servicePort: 7001
          address: 10.0.1.2
          tags: {kuma.io/service: ledger_payments_svc_7000, kuma.io/zone: zone-1}
      """;

  /** backend v1 and v2, web; routes splitting backend by version and by zone. */
  private static final String ROUTE_SUBSETS =
      """
      type: Mesh
      name: default
      mtls:
        enabledBackend: ca-1
        backends: [{name: ca-1, type: builtin}]
      ---
      type: Dataplane
      mesh: default
      name: backend-v1
      networking:
        address: 10.0.0.1
        inbound:
        - port: 8080
          servicePort: 80
          tags: {kuma.io/service: backend, version: v1, kuma.io/zone: zone-1}
      ---
      type: Dataplane
      mesh: default
      name: backend-v2
      networking:
        address: 10.0.0.2
        inbound:
        - port: 8080
          servicePort: 80
          tags: {kuma.io/service: backend, version: v2, kuma.io/zone: zone-1}
      ---
      type: Dataplane
      mesh: default
      name: web-1
      networking:
        address: 10.0.0.3
        inbound:
        - {port: 8080, servicePort: 80, tags: {kuma.io/service: web, kuma.io/zone: zone-1}}
      ---
      type: TrafficRoute
      mesh: default
      name: backend-split
      sources: [{match: {kuma.io/service: web}}]
      destinations: [{match: {kuma.io/service: backend}}]
      conf:
        split:
        - {weight: 80, destination: {kuma.io/service: backend, version: v1}}
        - {weight: 10, destination: {kuma.io/service: backend, version: v2, kuma.io/zone: zone-1}}
        - {weight: 10, destination: {kuma.io/service: backend, kuma.io/zone: zone-2}}
        http:
        - match: {path: {prefix: /v2}}
          destination: {kuma.io/service: backend, version: v2}
        - match: {path: {prefix: /all}}
          split:
          - {weight: 1, destination: {kuma.io/service: backend}}
          - {weight: 1, destination: {kuma.io/service: backend, version: v1}}
      ---
      type: TrafficRoute
      mesh: default
      name: to-web-and-db
      sources: [{match: {kuma.io/service: '*'}}]
      destinations: [{match: {kuma.io/service: '*'}}]
      conf:
        split:
        - {weight: 1, destination: {kuma.io/service: web}}
        - {weight: 1, destination: {kuma.io/service: db, version: v9}}
      """;

  @TempDir Path tmp;

  // ------------------------------------------------------------------ prometheus

  @Test
  void theIngressServesItsStatsOnTheFirstPrometheusMeshsPortAndPath() throws Exception {
    Resource ingress =
        new Resource(
            ResourceKey.global(StandardTypes.ZONE_INGRESS, "zone-1-ingress"),
            Meta.EMPTY,
            new ZoneIngressSpec(
                ZONE,
                new ZoneIngressSpec.Networking(
                    "127.0.0.1", "203.0.113.1", 10001, 10001, new EnvoyAdmin(9901)),
                List.of()));
    List<Resource> resources =
        Fixtures.yaml(
            """
            type: Mesh
            name: b-mesh
            metrics:
              enabledBackend: prom-b
              backends:
              - {name: prom-b, type: prometheus, conf: {port: 5671, path: /b}}
            ---
            type: Mesh
            name: a-mesh
            ---
            type: Mesh
            name: c-mesh
            mtls:
              enabledBackend: ca-1
              backends: [{name: ca-1, type: builtin}]
            metrics:
              enabledBackend: prom-c
              backends:
              - {name: prom-c, type: prometheus, conf: {port: 5672, path: /c}}
            """);

    ProxyConfig config =
        IngressGenerator.generate(
            ingress,
            List.of(
                Fixtures.meshState(ZONE, "c-mesh", resources),
                Fixtures.meshState(ZONE, "a-mesh", resources),
                Fixtures.meshState(ZONE, "b-mesh", resources)));

    assertThat(config.listeners())
        .extracting(Listener::getName)
        .containsExactly("inbound:127.0.0.1:10001", "kuma:metrics:prometheus");
    Listener metrics = config.listeners().get(1);
    assertThat(metrics.getAddress().getSocketAddress().getAddress()).isEqualTo("127.0.0.1");
    assertThat(metrics.getAddress().getSocketAddress().getPortValue()).isEqualTo(5671);
    // plaintext: an ingress has no mesh identity to serve mTLS with
    assertThat(single(metrics.getFilterChainsList()).hasTransportSocket()).isFalse();
    assertThat(config.clusters()).extracting(c -> c.getName()).containsExactly("kuma:envoy:admin");
    assertGolden("prometheus", config);
    assertEnvoyAccepts(config);
  }

  @Test
  void noPrometheusListenerWithoutAnAdminPortOrABackend() {
    Resource withoutAdmin =
        new Resource(
            ResourceKey.global(StandardTypes.ZONE_INGRESS, "zone-1-ingress"),
            Meta.EMPTY,
            new ZoneIngressSpec(
                ZONE,
                new ZoneIngressSpec.Networking("127.0.0.1", null, 10001, null, null),
                List.of()));
    List<Resource> resources =
        Fixtures.yaml(
            """
            type: Mesh
            name: default
            metrics:
              enabledBackend: prom-1
              backends: [{name: prom-1, type: prometheus}]
            ---
            type: Mesh
            name: quiet
            """);

    assertThat(
            IngressGenerator.generate(
                    withoutAdmin, List.of(Fixtures.meshState(ZONE, "default", resources)))
                .listeners())
        .hasSize(1);
    Resource withAdmin =
        withoutAdmin.withSpec(
            new ZoneIngressSpec(
                ZONE,
                new ZoneIngressSpec.Networking(
                    "127.0.0.1", null, 10001, null, new EnvoyAdmin(9901)),
                List.of()));
    assertThat(
            IngressGenerator.generate(
                    withAdmin, List.of(Fixtures.meshState(ZONE, "quiet", resources)))
                .listeners())
        .hasSize(1);
  }

  // ------------------------------------------------------------------ no services

  @Test
  void noServicesGivesOneDirectResponseChainOnTheDefaultAddress() throws Exception {
    // The validator insists on address and port; the generator still has defaults for both.
    Resource ingress =
        new Resource(
            ResourceKey.global(StandardTypes.ZONE_INGRESS, "zone-1-ingress"),
            Meta.EMPTY,
            new ZoneIngressSpec(
                ZONE,
                new ZoneIngressSpec.Networking(null, "203.0.113.1", null, 10001, null),
                List.of()));
    List<Resource> resources =
        Fixtures.yaml(
            """
            type: Mesh
            name: empty
            ---
            type: Mesh
            name: default
            ---
            type: Dataplane
            mesh: default
            name: sick
            networking:
              address: 10.0.0.1
              inbound:
              - {port: 8080, state: NotReady, tags: {kuma.io/service: backend}}
            """);

    ProxyConfig config =
        IngressGenerator.generate(
            ingress,
            List.of(
                Fixtures.meshState(ZONE, "empty", resources),
                Fixtures.meshState(ZONE, "default", resources)));

    assertThat(config.clusters()).isEmpty();
    assertThat(config.endpoints()).isEmpty();
    Listener listener = single(config.listeners());
    assertThat(listener.getName()).isEqualTo("inbound:0.0.0.0:10001");
    assertThat(listener.getAddress().getSocketAddress().getPortValue()).isEqualTo(10001);
    FilterChain chain = single(listener.getFilterChainsList());
    assertThat(chain.hasFilterChainMatch()).isFalse();
    Filter filter = single(chain.getFiltersList());
    assertThat(filter.getName()).isEqualTo("envoy.filters.network.direct_response");
    assertThat(filter.getTypedConfig().unpack(Config.class).getResponse().getInlineString())
        .isEqualTo("{\"proxy\":\"zone-ingress\",\"zone\":\"zone-1\"}");
    assertGolden("no-services", config);
    assertEnvoyAccepts(config);
  }

  // ------------------------------------------------------------------ two meshes

  @Test
  void twoServicesInTwoMeshesGetOneChainClusterAndLoadAssignmentPerSni() throws Exception {
    ProxyConfig config = generate(INGRESS, TWO_MESHES, "default", "payments");

    String backend = Sni.of("default", "backend");
    String web = Sni.of("default", "web");
    String ledger = Sni.of("payments", "ledger_payments_svc_7000");
    List<String> snis = sorted(List.of(backend, web, ledger));

    Listener listener = single(config.listeners());
    assertThat(listener.getName()).isEqualTo("inbound:10.0.0.254:10001");
    assertThat(listener.getListenerFiltersList())
        .singleElement()
        .satisfies(f -> assertThat(f.getName()).isEqualTo("envoy.filters.listener.tls_inspector"));
    assertThat(listener.getFilterChainsList()).extracting(FilterChain::getName).isEqualTo(snis);
    for (FilterChain chain : listener.getFilterChainsList()) {
      assertSniChain(chain);
    }
    assertThat(config.clusters()).extracting(Cluster::getName).isEqualTo(snis);
    for (Cluster c : config.clusters()) {
      assertThat(c.getType()).isEqualTo(Cluster.DiscoveryType.EDS);
      assertThat(c.getEdsClusterConfig().getEdsConfig().hasAds()).isTrue();
      assertThat(c.getEdsClusterConfig().getEdsConfig().getResourceApiVersion())
          .isEqualTo(ApiVersion.V3);
      assertThat(c.getConnectTimeout().getSeconds()).isEqualTo(5);
      assertThat(c.hasTransportSocket()).isFalse();
    }
    assertThat(config.endpoints())
        .extracting(ClusterLoadAssignment::getClusterName)
        .isEqualTo(snis);
    assertThat(endpointsOf(config, backend)).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
    assertThat(endpointsOf(config, web)).containsExactly("10.0.0.3:8081");
    assertThat(endpointsOf(config, ledger)).containsExactly("10.0.1.2:7000");
    assertThat(config.endpoints())
        .allSatisfy(cla -> assertThat(cla.getEndpoints(0).getLocality().getZone()).isEqualTo(ZONE));
    assertGolden("two-meshes", config);
    assertEnvoyAccepts(config);
  }

  // ------------------------------------------------------------------ subsets

  @Test
  void trafficRouteSubsetsGetTheirOwnSniAndOnlyMatchingEndpoints() throws Exception {
    ProxyConfig config = generate(INGRESS, ROUTE_SUBSETS, "default");

    String all = Sni.of("default", "backend");
    String v1 = Sni.of("default", "backend", Map.of("version", "v1"));
    String v2 = Sni.of("default", "backend", Map.of("version", "v2"));
    String v2Zone1 =
        Sni.of("default", "backend", Map.of("version", "v2", "kuma.io/zone", "zone-1"));
    String zone2 = Sni.of("default", "backend", Map.of("kuma.io/zone", "zone-2"));
    String web = Sni.of("default", "web");

    // db has no local instance; web's route names no subset; backend's bare destination is `all`.
    assertThat(config.clusters())
        .extracting(Cluster::getName)
        .isEqualTo(sorted(List.of(all, v1, v2, v2Zone1, zone2, web)));
    assertThat(single(config.listeners()).getFilterChainsList())
        .extracting(FilterChain::getName)
        .isEqualTo(sorted(List.of(all, v1, v2, v2Zone1, zone2, web)));
    assertThat(endpointsOf(config, all)).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
    assertThat(endpointsOf(config, v1)).containsExactly("10.0.0.1:8080");
    assertThat(endpointsOf(config, v2)).containsExactly("10.0.0.2:8080");
    assertThat(endpointsOf(config, v2Zone1)).containsExactly("10.0.0.2:8080");
    assertThat(endpointsOf(config, zone2)).isEmpty();
    assertThat(endpointsOf(config, web)).containsExactly("10.0.0.3:8080");
    assertGolden("route-subsets", config);
    assertEnvoyAccepts(config);
  }

  // ------------------------------------------------------------------ properties

  @Test
  void outputDoesNotDependOnInputOrder() {
    assertSameOutputWhenReversed(TWO_MESHES, "default", "payments");
    assertSameOutputWhenReversed(ROUTE_SUBSETS, "default");
  }

  @Test
  void statPrefixHasNoDotsOrDashes() {
    assertThat(IngressGenerator.statPrefix("backend.0123456789abcdef.my-mesh.meshfed"))
        .isEqualTo("backend_0123456789abcdef_my_mesh_meshfed");
  }

  @Test
  void rejectsAResourceThatIsNotAZoneIngress() {
    Resource mesh = Fixtures.one("type: Mesh\nname: default\n");

    assertThatThrownBy(() -> IngressGenerator.generate(mesh, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Mesh 'default': spec is MeshSpec (expected: ZoneIngressSpec)");
  }

  // ------------------------------------------------------------------ helpers

  private static ProxyConfig generate(String ingressYaml, String resourcesYaml, String... meshes) {
    List<Resource> resources = Fixtures.yaml(resourcesYaml);
    List<MeshState> states = new ArrayList<>();
    for (String mesh : meshes) {
      states.add(Fixtures.meshState(ZONE, mesh, resources));
    }
    return IngressGenerator.generate(Fixtures.one(ingressYaml), states);
  }

  private static void assertSameOutputWhenReversed(String resourcesYaml, String... meshes) {
    List<Resource> resources = new ArrayList<>(Fixtures.yaml(resourcesYaml));
    Resource ingress = Fixtures.one(INGRESS);
    List<MeshState> forward = new ArrayList<>();
    for (String mesh : meshes) {
      forward.add(Fixtures.meshState(ZONE, mesh, resources));
    }
    Collections.reverse(resources);
    List<MeshState> backward = new ArrayList<>();
    for (String mesh : meshes) {
      backward.add(0, Fixtures.meshState(ZONE, mesh, resources));
    }

    assertThat(EnvoyJson.print(IngressGenerator.generate(ingress, backward).all()))
        .isEqualTo(EnvoyJson.print(IngressGenerator.generate(ingress, forward).all()));
  }

  private static void assertSniChain(FilterChain chain) throws InvalidProtocolBufferException {
    assertThat(chain.getFilterChainMatch().getServerNamesList()).containsExactly(chain.getName());
    assertThat(chain.getFilterChainMatch().getTransportProtocol()).isEqualTo("tls");
    assertThat(chain.hasTransportSocket()).as("the ingress never terminates TLS").isFalse();
    Filter filter = single(chain.getFiltersList());
    assertThat(filter.getName()).isEqualTo("envoy.filters.network.tcp_proxy");
    TcpProxy tcp = filter.getTypedConfig().unpack(TcpProxy.class);
    assertThat(tcp.getCluster()).isEqualTo(chain.getName());
    assertThat(tcp.getStatPrefix()).matches("[a-z0-9_]+");
  }

  private static List<String> endpointsOf(ProxyConfig config, String cluster) {
    ClusterLoadAssignment cla =
        config.endpoints().stream()
            .filter(e -> e.getClusterName().equals(cluster))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no load assignment for " + cluster));
    List<String> out = new ArrayList<>();
    cla.getEndpointsList()
        .forEach(
            l ->
                l.getLbEndpointsList()
                    .forEach(
                        e -> {
                          var a = e.getEndpoint().getAddress().getSocketAddress();
                          out.add(a.getAddress() + ":" + a.getPortValue());
                        }));
    return out;
  }

  private static void assertGolden(String name, ProxyConfig config) throws IOException {
    Golden.assertMatches("ingress/" + name + "/clusters.json", EnvoyJson.print(config.clusters()));
    Golden.assertMatches(
        "ingress/" + name + "/endpoints.json", EnvoyJson.print(config.endpoints()));
    Golden.assertMatches(
        "ingress/" + name + "/listeners.json", EnvoyJson.print(config.listeners()));
  }

  private void assertEnvoyAccepts(ProxyConfig config) throws Exception {
    Path file = tmp.resolve("bootstrap.json");
    Files.writeString(file, StaticBootstrap.json(config, 0), StandardCharsets.UTF_8);
    EnvoyBinary.Validation v = EnvoyBinary.validate(file);
    assertThat(v.ok())
        .as(
            "envoy --mode validate exit %s:%n%s%nconfig:%n%s",
            v.exitCode(), v.output(), Files.readString(file))
        .isTrue();
  }

  private static List<String> sorted(List<String> in) {
    List<String> copy = new ArrayList<>(in);
    Collections.sort(copy);
    return copy;
  }

  private static <T> T single(List<T> list) {
    assertThat(list).hasSize(1);
    return list.get(0);
  }
}

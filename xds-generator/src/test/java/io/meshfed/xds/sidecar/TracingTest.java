package io.meshfed.xds.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.meshfed.xds.ProxyConfig;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What a TrafficTrace turns into, field by field, against Kuma 2.7's tracing generator and
 * configurer (and its {@code testdata/tracing} goldens): which trace and backend apply, the {@code
 * tracing:<name>} cluster, and the Zipkin tracer on the inbound and outbound HTTP connection
 * managers only.
 */
class TracingTest {

  @Test
  void theMostSpecificTraceNamesTheBackendAndEveryHttpConnectionManagerGetsTheTracer()
      throws Exception {
    ProxyConfig c =
        SidecarGeneratorTest.generate(
            TracingScenarios.all()
                .filter(s -> s.name().equals("tracing-zipkin-dns-mtls"))
                .findFirst()
                .orElseThrow());

    Cluster cluster = cluster(c, "tracing:zipkin-1");
    assertThat(cluster.getType()).isEqualTo(Cluster.DiscoveryType.STRICT_DNS);
    assertThat(cluster.getDnsLookupFamily()).isEqualTo(Cluster.DnsLookupFamily.V4_ONLY);
    assertThat(cluster.getAltStatName()).isEqualTo("tracing_zipkin-1");
    assertThat(cluster.getConnectTimeout().getSeconds()).isEqualTo(5);
    var address =
        cluster.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress();
    assertThat(address.getSocketAddress().getAddress()).isEqualTo("zipkin.local");
    assertThat(address.getSocketAddress().getPortValue()).isEqualTo(9411);
    assertThat(cluster.hasTransportSocket()).isFalse();
    assertThat(c.clusters()).extracting(Cluster::getName).doesNotContain("tracing:other");

    HttpConnectionManager.Tracing inbound = tracing(listener(c, "inbound:10.0.0.1:10080")).get();
    HttpConnectionManager.Tracing outbound = tracing(listener(c, "outbound:127.0.0.1:10001")).get();
    assertThat(outbound).isEqualTo(inbound);
    assertThat(inbound.getSpawnUpstreamSpan().getValue()).isFalse();
    assertThat(inbound.hasSpawnUpstreamSpan()).isTrue();
    assertThat(inbound.getOverallSampling().getValue()).isEqualTo(80.5);
    assertThat(inbound.getProvider().getName()).isEqualTo("envoy.tracers.zipkin");
    ZipkinConfig zipkin = inbound.getProvider().getTypedConfig().unpack(ZipkinConfig.class);
    assertThat(zipkin.getCollectorCluster()).isEqualTo("tracing:zipkin-1");
    assertThat(zipkin.getCollectorEndpoint()).isEqualTo("/api/v2/spans");
    assertThat(zipkin.getCollectorHostname()).isEqualTo("zipkin.local:9411");
    assertThat(zipkin.getCollectorEndpointVersion())
        .isEqualTo(ZipkinConfig.CollectorEndpointVersion.HTTP_JSON);
    assertThat(zipkin.getTraceId128Bit()).isFalse();
    assertThat(zipkin.hasSharedSpanContext()).isFalse();

    // db is TCP: a tcp_proxy, which Envoy does not trace
    assertThat(listener(c, "outbound:127.0.0.1:10002").getFilterChains(0).getFilters(0).getName())
        .isEqualTo(Xds.TCP_PROXY);
  }

  @Test
  void withoutABackendTheMeshDefaultIsUsedHttpsGetsTlsAnIpIsStatic() throws Exception {
    ProxyConfig c =
        SidecarGeneratorTest.generate(
            TracingScenarios.all()
                .filter(s -> s.name().equals("tracing-zipkin-https-ip-default"))
                .findFirst()
                .orElseThrow());

    Cluster cluster = cluster(c, "tracing:collector");
    assertThat(cluster.getType()).isEqualTo(Cluster.DiscoveryType.STATIC);
    UpstreamTlsContext tls =
        cluster.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
    assertThat(tls.getSni()).isEqualTo("10.9.9.9");
    assertThat(tls.getAllowRenegotiation()).isTrue();
    HttpConnectionManager.Tracing t = tracing(listener(c, "inbound:10.0.0.1:10080")).get();
    assertThat(t.hasOverallSampling()).isFalse();
    ZipkinConfig zipkin = t.getProvider().getTypedConfig().unpack(ZipkinConfig.class);
    assertThat(zipkin.getCollectorEndpoint()).isEqualTo("/zipkin/api/v2/spans");
    assertThat(zipkin.getCollectorHostname()).isEqualTo("10.9.9.9:8443");
    assertThat(zipkin.getCollectorEndpointVersion())
        .isEqualTo(ZipkinConfig.CollectorEndpointVersion.HTTP_PROTO);
    assertThat(zipkin.getTraceId128Bit()).isTrue();
    assertThat(zipkin.getSharedSpanContext().getValue()).isFalse();
  }

  @Test
  void noTraceAMissingBackendOrATraceForAnotherServiceMeansNoTracing() throws Exception {
    for (var s :
        List.of(
            TracingScenarios.scenario("none", TracingScenarios.MESH_DNS, List.of()),
            TracingScenarios.scenario(
                "missing",
                TracingScenarios.MESH_DNS,
                List.of(TracingScenarios.trace("t", "*", "no-such-backend"))),
            TracingScenarios.scenario(
                "other-service",
                TracingScenarios.MESH_DNS,
                List.of(TracingScenarios.trace("t", "api", "zipkin-1"))))) {
      ProxyConfig c = SidecarGeneratorTest.generate(s);
      assertThat(c.clusters())
          .extracting(Cluster::getName)
          .noneMatch(n -> n.startsWith("tracing:"));
      for (Listener l : c.listeners()) {
        assertThat(tracing(l)).as("%s: %s", s.name(), l.getName()).isEmpty();
      }
    }
  }

  @Test
  void theMeshWithoutTracingSectionAndADefaultTraceTracesNothing() throws Exception {
    ProxyConfig c =
        SidecarGeneratorTest.generate(
            TracingScenarios.scenario(
                "no-tracing-section",
                "type: Mesh\nname: default\n",
                List.of(TracingScenarios.trace("t", "*", null))));
    assertThat(c.clusters()).extracting(Cluster::getName).noneMatch(n -> n.startsWith("tracing:"));
  }

  @Test
  void theZoneWatchesTrafficTraces() {
    assertThat(SidecarGenerator.CONNECTION_POLICY_TYPES).contains("TrafficTrace");
  }

  private static Cluster cluster(ProxyConfig c, String name) {
    return c.clusters().stream().filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
  }

  private static Listener listener(ProxyConfig c, String name) {
    return c.listeners().stream().filter(l -> l.getName().equals(name)).findFirst().orElseThrow();
  }

  private static Optional<HttpConnectionManager.Tracing> tracing(Listener l) throws Exception {
    for (var chain : l.getFilterChainsList()) {
      for (Filter f : chain.getFiltersList()) {
        if (f.getName().equals(Xds.HTTP_CONNECTION_MANAGER)) {
          HttpConnectionManager hcm = f.getTypedConfig().unpack(HttpConnectionManager.class);
          return hcm.hasTracing() ? Optional.of(hcm.getTracing()) : Optional.empty();
        }
      }
    }
    return Optional.empty();
  }
}

package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.FAKE_IDENTITY;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.ProxyConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What the HTTP and gRPC parts of Timeout and Retry set on HTTP outbounds, and the fixed timeouts
 * of HTTP inbounds (the golden file {@code mtls-http-policies.json} holds the whole config).
 */
class HttpPoliciesTest {
  private static final String API = "outbound:127.0.0.1:10001";
  private static final String EVENTS = "outbound:127.0.0.1:10002";
  private static final String FILES = "outbound:127.0.0.1:10003";

  private static ProxyConfig generate(MeshState state) {
    return SidecarGenerator.generate(
        state, HttpPolicyScenarios.httpPolicies(true).dataplane(), Optional.of(FAKE_IDENTITY));
  }

  private static ProxyConfig generate() {
    return generate(HttpPolicyScenarios.httpPolicies(true).state());
  }

  private static ProxyConfig withPolicies(Map<String, List<Resource>> policies) {
    MeshState s = HttpPolicyScenarios.httpPolicies(true).state();
    return generate(
        new MeshState(
            s.zone(),
            s.mesh(),
            s.dataplanes(),
            s.zoneIngresses(),
            s.trafficPermissions(),
            s.trafficRoutes(),
            policies));
  }

  @Test
  void requestTimeoutIsTheTimeoutOfEveryRouteOfTheOutbound() throws Exception {
    VirtualHost api = vhost(generate(), API);

    assertThat(api.getRoutesList()).hasSize(2); // the GET /users rule and the catch-all split
    assertThat(api.getRoutesList())
        .extracting(r -> r.getRoute().getTimeout())
        .containsOnly(Durations.fromMillis(500));
  }

  @Test
  void idleAndStreamIdleTimeoutsOnTheConnectionManagerIdleAndMaxStreamOnTheClusters()
      throws Exception {
    ProxyConfig c = generate();

    HttpConnectionManager api = hcm(c, API);
    assertThat(api.getStreamIdleTimeout()).isEqualTo(Durations.fromSeconds(20));
    assertThat(api.getCommonHttpProtocolOptions().getIdleTimeout())
        .isEqualTo(Durations.fromMinutes(10));
    List<Cluster> apiClusters = ConnectionPoliciesTest.clustersOf(c, "api");
    assertThat(apiClusters).hasSize(2);
    for (Cluster cluster : apiClusters) {
      HttpProtocolOptions options = options(cluster);
      assertThat(options.getCommonHttpProtocolOptions().getIdleTimeout())
          .isEqualTo(Durations.fromMinutes(10));
      assertThat(options.getCommonHttpProtocolOptions().getMaxStreamDuration())
          .isEqualTo(Durations.fromMinutes(1));
      assertThat(options.getExplicitHttpConfig().hasHttpProtocolOptions())
          .as("HTTP/1.1, as without the options")
          .isTrue();
    }
  }

  @Test
  void grpcFieldsFillWhatHttpLeavesOutAndHttp2StaysOn() throws Exception {
    ProxyConfig c = generate();

    HttpConnectionManager events = hcm(c, EVENTS);
    assertThat(events.getStreamIdleTimeout()).isEqualTo(Durations.fromMinutes(2));
    assertThat(vhost(c, EVENTS).getRoutes(0).getRoute().getTimeout())
        .isEqualTo(Durations.fromSeconds(30));
    HttpProtocolOptions options = options(ConnectionPoliciesTest.clustersOf(c, "events").get(0));
    assertThat(options.getExplicitHttpConfig().hasHttp2ProtocolOptions()).isTrue();
    assertThat(options.getCommonHttpProtocolOptions().getIdleTimeout())
        .isEqualTo(Durations.fromMinutes(5));
    assertThat(options.getCommonHttpProtocolOptions().getMaxStreamDuration())
        .isEqualTo(Durations.fromMinutes(10));
  }

  @Test
  void httpRetryMapsEveryFieldTheWayKumaDoes() throws Exception {
    var retry = vhost(generate(), API).getRetryPolicy();

    assertThat(retry.getRetryOn())
        .isEqualTo("5xx,connect-failure,retriable-4xx,retriable-status-codes");
    assertThat(retry.getNumRetries().getValue()).isEqualTo(3);
    assertThat(retry.getPerTryTimeout()).isEqualTo(Durations.fromMillis(200));
    assertThat(retry.getRetryBackOff().getBaseInterval()).isEqualTo(Durations.fromMillis(10));
    assertThat(retry.getRetryBackOff().getMaxInterval()).isEqualTo(Durations.fromMillis(100));
    assertThat(retry.getRetriableStatusCodesList()).containsExactly(503, 429);
    assertThat(retry.getRetriableRequestHeadersList())
        .extracting(HeaderMatcher::getName, h -> h.getStringMatch().getExact())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(":method", "GET"),
            org.assertj.core.groups.Tuple.tuple(":method", "PUT"));
  }

  @Test
  void grpcRetryUsesTheGrpcPartAndItsCodes() throws Exception {
    var retry = vhost(generate(), EVENTS).getRetryPolicy();

    assertThat(retry.getRetryOn()).isEqualTo("deadline-exceeded,resource-exhausted");
    assertThat(retry.getNumRetries().getValue()).isEqualTo(2);
    assertThat(retry.getPerTryTimeout()).isEqualTo(Durations.fromSeconds(1));
    assertThat(retry.hasRetryBackOff()).isFalse();
  }

  @Test
  void theDefaultsOfANewMeshAreKumasOnAnHttp2Outbound() throws Exception {
    ProxyConfig c = generate();

    var retry = vhost(c, FILES).getRetryPolicy();
    assertThat(retry.getRetryOn()).isEqualTo(HttpRetries.HTTP_RETRY_ON_DEFAULT);
    assertThat(retry.getNumRetries().getValue()).isEqualTo(5);
    assertThat(retry.getPerTryTimeout()).isEqualTo(Durations.fromSeconds(16));
    assertThat(vhost(c, FILES).getRoutes(0).getRoute().getTimeout())
        .isEqualTo(Durations.fromSeconds(15));
    assertThat(hcm(c, FILES).getStreamIdleTimeout()).isEqualTo(Durations.fromMinutes(30));
  }

  @Test
  void withoutPoliciesEnvoysDefaultsStay() throws Exception {
    ProxyConfig c = withPolicies(Map.of());

    for (String outbound : List.of(API, EVENTS, FILES)) {
      assertThat(vhost(c, outbound).hasRetryPolicy()).as(outbound).isFalse();
      assertThat(vhost(c, outbound).getRoutesList())
          .allSatisfy(r -> assertThat(r.getRoute().hasTimeout()).isFalse());
      assertThat(hcm(c, outbound).hasStreamIdleTimeout()).isFalse();
      assertThat(hcm(c, outbound).hasCommonHttpProtocolOptions()).isFalse();
    }
    assertThat(options(ConnectionPoliciesTest.clustersOf(c, "api").get(0)))
        .as("an HTTP/1.1 cluster without timeouts has no protocol options")
        .isNull();
  }

  @Test
  void aRetryWithoutThePartForTheProtocolSetsNoRetryPolicy() throws Exception {
    Resource tcpOnly =
        Fixtures.policy(
            StandardTypes.RETRY,
            "tcp-only",
            HttpPolicyScenarios.T0,
            new io.meshfed.model.spec.RetrySpec(
                Fixtures.selectors(List.of(Fixtures.svc("*"))),
                Fixtures.selectors(List.of(Fixtures.svc("*"))),
                new io.meshfed.model.spec.RetrySpec.Conf(
                    null, new io.meshfed.model.spec.RetrySpec.Tcp(2), null)));

    ProxyConfig c = withPolicies(Map.of(StandardTypes.RETRY, List.of(tcpOnly)));

    assertThat(vhost(c, API).hasRetryPolicy()).isFalse();
    assertThat(vhost(c, EVENTS).hasRetryPolicy()).isFalse();
  }

  @Test
  void httpInboundsHaveNoRouteTimeoutAndLongIdleTimeouts() throws Exception {
    ProxyConfig c = generate();

    RouteConfiguration inbound =
        c.routes().stream()
            .filter(r -> r.getName().equals("inbound:10.0.0.1:10080"))
            .findFirst()
            .orElseThrow();
    assertThat(inbound.getVirtualHosts(0).getRoutesList())
        .extracting(r -> r.getRoute().getTimeout())
        .containsOnly(Duration.getDefaultInstance());
    assertThat(inbound.getVirtualHosts(0).getRoutes(0).getRoute().hasTimeout()).isTrue();
    HttpConnectionManager hcm = hcm(c, "inbound:10.0.0.1:10080");
    assertThat(hcm.getStreamIdleTimeout()).isEqualTo(Durations.fromHours(1));
    assertThat(hcm.getCommonHttpProtocolOptions().getIdleTimeout())
        .isEqualTo(Durations.fromHours(2));
  }

  // --- helpers ---

  private static HttpConnectionManager hcm(ProxyConfig c, String listener) throws Exception {
    Listener l =
        c.listeners().stream()
            .filter(x -> x.getName().equals(listener))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no listener " + listener));
    return l.getFilterChains(0).getFiltersList().stream()
        .filter(f -> f.getName().equals(Xds.HTTP_CONNECTION_MANAGER))
        .findFirst()
        .orElseThrow(() -> new AssertionError(listener + " has no HTTP connection manager"))
        .getTypedConfig()
        .unpack(HttpConnectionManager.class);
  }

  private static VirtualHost vhost(ProxyConfig c, String listener) throws Exception {
    return hcm(c, listener).getRouteConfig().getVirtualHosts(0);
  }

  /** The cluster's HttpProtocolOptions, or null when it has none. */
  private static HttpProtocolOptions options(Cluster cluster) throws Exception {
    var any = cluster.getTypedExtensionProtocolOptionsMap().get(HttpUpstreams.PROTOCOL_OPTIONS);
    return any == null ? null : any.unpack(HttpProtocolOptions.class);
  }
}

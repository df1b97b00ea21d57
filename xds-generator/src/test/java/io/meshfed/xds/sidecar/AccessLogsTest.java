package io.meshfed.xds.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.ProxyConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which outbound gets which access log, in which format, and what the placeholders become. */
class AccessLogsTest {

  private static ProxyConfig generate(Scenarios.Scenario s) {
    return SidecarGenerator.generate(
        s.state(),
        s.dataplane(),
        s.state().mtlsEnabled() ? Optional.of(Fixtures.FAKE_IDENTITY) : Optional.empty(),
        s.accessLogSocketPath());
  }

  private static Listener outbound(ProxyConfig c, int port) {
    return c.listeners().stream()
        .filter(l -> l.getName().equals("outbound:127.0.0.1:" + port))
        .findFirst()
        .orElseThrow();
  }

  private static List<FileAccessLog> logs(Listener l) throws Exception {
    var any = l.getFilterChains(0).getFilters(0).getTypedConfig();
    List<AccessLog> logs =
        any.is(HttpConnectionManager.class)
            ? any.unpack(HttpConnectionManager.class).getAccessLogList()
            : any.unpack(TcpProxy.class).getAccessLogList();
    List<FileAccessLog> files = new java.util.ArrayList<>();
    for (AccessLog log : logs) {
      assertThat(log.getName()).isEqualTo("envoy.access_loggers.file");
      files.add(log.getTypedConfig().unpack(FileAccessLog.class));
    }
    return files;
  }

  private static String format(FileAccessLog f) {
    return f.getLogFormat().getTextFormatSource().getInlineString();
  }

  /** The access-log scenario with other TrafficLogs. */
  private static Scenarios.Scenario withLogs(
      Optional<String> socket, Resource mesh, Resource... trafficLogs) {
    Scenarios.Scenario base = AccessLogScenarios.scenario("t", true, socket);
    MeshState st = base.state();
    MeshState state =
        new MeshState(
            st.zone(),
            mesh,
            st.dataplanes(),
            st.zoneIngresses(),
            st.trafficPermissions(),
            st.trafficRoutes(),
            Map.of(StandardTypes.TRAFFIC_LOG, List.of(trafficLogs)));
    return new Scenarios.Scenario("t", state, base.dataplane(), socket);
  }

  @Test
  void theMostSpecificTrafficLogPicksTheBackendPerDestinationService() throws Exception {
    ProxyConfig c = generate(AccessLogScenarios.scenario("t", true, Optional.of("/s.sock")));

    List<FileAccessLog> toBackend = logs(outbound(c, 10001));
    assertThat(toBackend).singleElement().extracting(FileAccessLog::getPath).isEqualTo("/s.sock");
    assertThat(format(toBackend.get(0)))
        .isEqualTo(
            "127.0.0.1:5000;web@zone-1 -> backend@%UPSTREAM_METADATA(envoy.lb:kuma.io/zone)%"
                + " %REQ(:PATH)% %RESPONSE_CODE% 10.0.0.1:0 OUTBOUND\n");

    List<FileAccessLog> toDb = logs(outbound(c, 10002));
    assertThat(toDb).singleElement().extracting(FileAccessLog::getPath).isEqualTo("/dev/stdout");
    assertThat(format(toDb.get(0)))
        .isEqualTo(
            "[%START_TIME%] %RESPONSE_FLAGS% default 10.0.0.1(web)->%UPSTREAM_HOST%(db) took"
                + " %DURATION%ms, sent %BYTES_SENT% bytes, received: %BYTES_RECEIVED% bytes\n");
  }

  @Test
  void kumasDefaultHttpFormatWhenTheBackendHasNone() throws Exception {
    ProxyConfig c =
        generate(
            withLogs(
                Optional.empty(),
                AccessLogScenarios.mesh(true),
                AccessLogScenarios.trafficLog("all", Fixtures.svc("*"), Fixtures.svc("*"), null)));

    assertThat(format(logs(outbound(c, 10001)).get(0)))
        .isEqualTo(
            "[%START_TIME%] default \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\""
                + " %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION%"
                + " %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\""
                + " \"%REQ(USER-AGENT)%\" \"%REQ(X-B3-TRACEID?X-DATADOG-TRACEID)%\""
                + " \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"web\" \"backend\""
                + " \"10.0.0.1\" \"%UPSTREAM_HOST%\"\n");
  }

  @Test
  void noTrafficLogOrAnUnknownBackendOrNoFifoMeansNoAccessLog() throws Exception {
    ProxyConfig none = generate(withLogs(Optional.of("/s.sock"), AccessLogScenarios.mesh(true)));
    assertThat(logs(outbound(none, 10001))).isEmpty();
    assertThat(logs(outbound(none, 10002))).isEmpty();

    ProxyConfig unknown =
        generate(
            withLogs(
                Optional.of("/s.sock"),
                AccessLogScenarios.mesh(true),
                AccessLogScenarios.trafficLog("x", Fixtures.svc("*"), Fixtures.svc("*"), "nope")));
    assertThat(logs(outbound(unknown, 10001))).isEmpty();

    // tcp backend, but the proxy announced no FIFO: the file TrafficLog still applies to db
    ProxyConfig noFifo = generate(AccessLogScenarios.scenario("t", true, Optional.empty()));
    assertThat(logs(outbound(noFifo, 10001))).isEmpty();
    assertThat(logs(outbound(noFifo, 10002))).hasSize(1);
  }

  @Test
  void endpointsCarryTheirZoneOnlyInMeshesWithLoggingBackends() {
    ProxyConfig logged = generate(AccessLogScenarios.scenario("t", true, Optional.empty()));
    ClusterLoadAssignment backend =
        logged.endpoints().stream()
            .filter(e -> e.getClusterName().equals("backend"))
            .findFirst()
            .orElseThrow();
    assertThat(backend.getEndpointsList())
        .allSatisfy(
            locality -> {
              for (LbEndpoint e : locality.getLbEndpointsList()) {
                assertThat(
                        e.getMetadata()
                            .getFilterMetadataOrThrow("envoy.lb")
                            .getFieldsOrThrow("kuma.io/zone")
                            .getStringValue())
                    .isEqualTo(locality.getLocality().getZone());
              }
            });
    assertThat(backend.getEndpointsList()).hasSize(2);

    ProxyConfig plain = generate(Scenarios.mtlsHttp());
    assertThat(plain.endpoints())
        .allSatisfy(
            e ->
                e.getEndpointsList()
                    .forEach(
                        l ->
                            l.getLbEndpointsList()
                                .forEach(x -> assertThat(x.hasMetadata()).isFalse())));
  }
}

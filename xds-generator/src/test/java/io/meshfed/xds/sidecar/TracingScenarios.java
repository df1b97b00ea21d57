package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.dataplane;
import static io.meshfed.xds.sidecar.Fixtures.inbound;
import static io.meshfed.xds.sidecar.Fixtures.svc;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.xds.MeshState;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Sidecars with a TrafficTrace and a zipkin backend on the mesh: web (HTTP inbound, an HTTP
 * outbound to api and a TCP outbound to db), in an mTLS mesh with a named backend behind a DNS name
 * and sampling, and without mTLS with the mesh's default backend at an https IP address speaking
 * proto with 128-bit trace ids and no shared span context.
 */
final class TracingScenarios {
  static final String MESH_DNS =
      """
      type: Mesh
      name: default
      mtls:
        enabledBackend: ca-1
        backends: [{name: ca-1, type: builtin}]
      tracing:
        defaultBackend: other
        backends:
        - name: other
          type: zipkin
          conf: {url: 'http://other.local:9411/api/v2/spans'}
        - name: zipkin-1
          type: zipkin
          sampling: 80.5
          conf: {url: 'http://zipkin.local:9411/api/v2/spans'}
      """;

  static final String MESH_HTTPS_IP =
      """
      type: Mesh
      name: default
      tracing:
        defaultBackend: collector
        backends:
        - name: collector
          type: zipkin
          conf:
            url: 'https://10.9.9.9:8443/zipkin/api/v2/spans'
            apiVersion: httpProto
            traceId128bit: true
            sharedSpanContext: false
      """;

  /** Selects every proxy; names {@code zipkin-1}, or nothing (the mesh's default). */
  static String trace(String name, String selector, String backend) {
    return """
        type: TrafficTrace
        mesh: default
        name: %s
        selectors: [{match: {kuma.io/service: '%s'}}]
        """
            .formatted(name, selector)
        + (backend == null ? "" : "conf: {backend: %s}\n".formatted(backend));
  }

  private TracingScenarios() {}

  static Stream<Scenarios.Scenario> all() {
    return Stream.of(
        scenario(
            "tracing-zipkin-dns-mtls",
            MESH_DNS,
            // the specific one wins over the wildcard one
            List.of(trace("all", "*", null), trace("web-only", "web", "zipkin-1"))),
        scenario(
            "tracing-zipkin-https-ip-default", MESH_HTTPS_IP, List.of(trace("all", "*", null))));
  }

  static Resource web() {
    return dataplane(
        "web-1",
        "10.0.0.1",
        List.of(inbound(10080, 8080, svc("web", Tags.PROTOCOL, "http"))),
        List.of(DataplaneSpec.Outbound.of(10001, "api"), DataplaneSpec.Outbound.of(10002, "db")));
  }

  static MeshState state(String meshYaml, List<String> traces) {
    return new MeshState(
        Fixtures.ZONE,
        ProxyTemplateScenarios.CODEC.decodeOne(meshYaml),
        List.of(
            web(),
            dataplane(
                "api-1",
                "10.0.0.2",
                List.of(inbound(18080, 8080, svc("api", Tags.PROTOCOL, "http"))),
                List.of()),
            dataplane("db-1", "10.0.0.5", List.of(inbound(15432, 5432, svc("db"))), List.of())),
        List.of(),
        List.of(),
        List.of(),
        Map.of(
            StandardTypes.TRAFFIC_TRACE,
            traces.stream().map(ProxyTemplateScenarios.CODEC::decodeOne).toList()));
  }

  static Scenarios.Scenario scenario(String name, String meshYaml, List<String> traces) {
    return new Scenarios.Scenario(name, state(meshYaml, traces), web());
  }
}

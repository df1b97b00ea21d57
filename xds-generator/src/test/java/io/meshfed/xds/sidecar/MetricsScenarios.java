package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.inbound;
import static io.meshfed.xds.sidecar.Fixtures.svc;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.EnvoyAdmin;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.xds.MeshState;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Sidecar cases with a prometheus metrics backend on the mesh: Kuma's defaults without mTLS; mTLS
 * with {@code skipMTLS: true} and a Dataplane override (port, path, envoy filter); mTLS with {@code
 * skipMTLS} unset (plaintext from the dataplane's own address, mesh mTLS from elsewhere).
 */
final class MetricsScenarios {
  static final int ADMIN_PORT = 9901;

  private MetricsScenarios() {}

  static Stream<Scenarios.Scenario> all() {
    return Stream.of(
        scenario("metrics-defaults", false, Map.of(), null),
        scenario(
            "metrics-mtls-skip-dp-override",
            true,
            Map.of("skipMTLS", true, "tags", Map.of("kuma.io/service", "dataplane-metrics")),
            Map.of(
                "type",
                "prometheus",
                "conf",
                Map.of(
                    "port",
                    1234,
                    "path",
                    "/non-standard-path",
                    "envoy",
                    Map.of("filterRegex", "^cluster\\.backend.*", "usedOnly", true)))),
        scenario("metrics-mtls-active", true, Map.of(), null));
  }

  static Scenarios.Scenario scenario(
      String name, boolean mtls, Map<String, Object> meshConf, Map<String, Object> dpMetrics) {
    Resource web = web("10.0.0.1", 10080, 10001, ADMIN_PORT, dpMetrics);
    MeshState state =
        new MeshState(
            Fixtures.ZONE,
            mesh(mtls, meshConf),
            List.of(web),
            List.of(),
            mtls
                ? List.of(Fixtures.permission("allow-all", List.of(svc("*")), List.of(svc("*"))))
                : List.of(),
            List.of());
    return new Scenarios.Scenario(name, state, web);
  }

  /** The Mesh of {@link Fixtures#mesh} with metrics backend {@code prom-1} enabled. */
  static Resource mesh(boolean mtls, Map<String, Object> conf) {
    MeshSpec base = Fixtures.mesh(mtls).spec(MeshSpec.class);
    MeshSpec spec =
        new MeshSpec(
            base.mtls(),
            null,
            null,
            new MeshSpec.Metrics(
                "prom-1", List.of(new MeshSpec.MetricsBackend("prom-1", "prometheus", conf))),
            null,
            null,
            null,
            null,
            null);
    return new Resource(ResourceKey.global(StandardTypes.MESH, Fixtures.MESH), Meta.EMPTY, spec);
  }

  /** Dataplane web-1: one inbound, one outbound to backend, the admin port, {@code metrics}. */
  static Resource web(
      String address,
      int inboundPort,
      int outboundPort,
      int adminPort,
      Map<String, Object> metrics) {
    return new Resource(
        ResourceKey.inMesh(StandardTypes.DATAPLANE, Fixtures.MESH, "web-1"),
        Meta.EMPTY,
        new DataplaneSpec(
            new DataplaneSpec.Networking(
                address,
                null,
                List.of(inbound(inboundPort, 8080, svc("web"))),
                List.of(DataplaneSpec.Outbound.of(outboundPort, "backend")),
                null,
                null,
                new EnvoyAdmin(adminPort)),
            metrics,
            null,
            null));
  }
}

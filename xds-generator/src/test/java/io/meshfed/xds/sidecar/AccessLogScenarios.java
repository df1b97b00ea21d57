package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.available;
import static io.meshfed.xds.sidecar.Fixtures.dataplane;
import static io.meshfed.xds.sidecar.Fixtures.inbound;
import static io.meshfed.xds.sidecar.Fixtures.ingress;
import static io.meshfed.xds.sidecar.Fixtures.permission;
import static io.meshfed.xds.sidecar.Fixtures.selectors;
import static io.meshfed.xds.sidecar.Fixtures.svc;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.TrafficLogSpec;
import io.meshfed.xds.MeshState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Sidecar cases with the mesh's logging backends and TrafficLogs: web (HTTP) has outbounds to
 * backend (HTTP, local and in zone-2) and to db (TCP). A TrafficLog for every connection uses the
 * default {@code file} backend (Kuma's default formats); a more specific one for web → backend uses
 * the {@code tcp} backend with a custom format holding the zone placeholders.
 */
final class AccessLogScenarios {
  /**
   * The FIFO the proxy announces: a path that exists everywhere, because {@code envoy --mode
   * validate} opens it.
   */
  static final String SOCKET = "/dev/stderr";

  static final String CUSTOM_FORMAT =
      "%KUMA_SOURCE_SERVICE%@%KUMA_SOURCE_ZONE% -> %KUMA_DESTINATION_SERVICE%@%KUMA_DESTINATION_ZONE%"
          + " %REQ(:PATH)% %RESPONSE_CODE% %KUMA_SOURCE_ADDRESS% %KUMA_TRAFFIC_DIRECTION%";

  private AccessLogScenarios() {}

  static Stream<Scenarios.Scenario> all() {
    return Stream.of(
        scenario("access-logs-mtls", true, Optional.of(SOCKET)),
        scenario("access-logs-mtls-off-no-socket", false, Optional.empty()));
  }

  static Scenarios.Scenario scenario(String name, boolean mtls, Optional<String> socket) {
    Resource web =
        dataplane(
            "web-1",
            "10.0.0.1",
            List.of(inbound(10080, 8080, svc("web", Tags.PROTOCOL, "http"))),
            List.of(
                DataplaneSpec.Outbound.of(10001, "backend"),
                DataplaneSpec.Outbound.of(10002, "db")));
    Resource backend =
        dataplane(
            "backend-1",
            "10.0.0.2",
            List.of(inbound(10080, 8080, svc("backend", Tags.PROTOCOL, "http"))),
            List.of());
    Resource db =
        dataplane("db-1", "10.0.0.3", List.of(inbound(15432, 5432, svc("db"))), List.of());
    MeshState state =
        new MeshState(
            Fixtures.ZONE,
            mesh(mtls),
            List.of(web, backend, db),
            List.of(
                ingress(
                    "zone-2-ingress",
                    "zone-2",
                    "192.168.2.10",
                    10001,
                    List.of(
                        available(svc("backend", Tags.PROTOCOL, "http", Tags.ZONE, "zone-2"), 1)))),
            mtls
                ? List.of(permission("allow-all", List.of(svc("*")), List.of(svc("*"))))
                : List.of(),
            List.of(),
            Map.of(
                StandardTypes.TRAFFIC_LOG,
                List.of(
                    trafficLog("all", svc("*"), svc("*"), null),
                    trafficLog("web-to-backend", svc("web"), svc("backend"), "tcp-1"))));
    return new Scenarios.Scenario(name, state, web, socket);
  }

  static Resource trafficLog(
      String name, Map<String, String> source, Map<String, String> destination, String backend) {
    return Fixtures.policy(
        StandardTypes.TRAFFIC_LOG,
        name,
        Instant.parse("2024-01-01T00:00:00Z"),
        new TrafficLogSpec(
            selectors(List.of(source)),
            selectors(List.of(destination)),
            new TrafficLogSpec.Conf(backend)));
  }

  /** {@link Fixtures#mesh} with logging: default {@code file-1}, and {@code tcp-1}. */
  static Resource mesh(boolean mtls) {
    MeshSpec base = Fixtures.mesh(mtls).spec(MeshSpec.class);
    MeshSpec spec =
        new MeshSpec(
            base.mtls(),
            null,
            new MeshSpec.Logging(
                "file-1",
                List.of(
                    new MeshSpec.LoggingBackend(
                        "file-1", "file", null, Map.of("path", "/dev/stdout")),
                    new MeshSpec.LoggingBackend(
                        "tcp-1", "tcp", CUSTOM_FORMAT, Map.of("address", "127.0.0.1:5000")))),
            null,
            null,
            null,
            null,
            null,
            null);
    return new Resource(ResourceKey.global(StandardTypes.MESH, Fixtures.MESH), Meta.EMPTY, spec);
  }
}

package io.meshfed.global.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.store.memory.MemoryResourceStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cross-zone TrafficRoute in a mesh without mTLS is accepted with a {@code Warning} header, and
 * so is turning mTLS off while such a route exists.
 */
class CrossZoneRouteWarningsIT {
  private static final String MTLS =
      "mtls:\n  enabledBackend: ca-1\n  backends:\n  - name: ca-1\n    type: builtin\n";

  private static final String TO_ZONE_2 =
      """
      type: TrafficRoute
      name: to-zone-2
      mesh: default
      sources: [{match: {kuma.io/service: '*'}}]
      destinations: [{match: {kuma.io/service: '*'}}]
      conf:
        split:
        - weight: 50
          destination: {kuma.io/service: backend, kuma.io/zone: zone-2}
        - weight: 50
          destination: {kuma.io/service: backend}
      """;

  private static final String LOCAL_ONLY =
      """
      type: TrafficRoute
      name: local
      mesh: default
      sources: [{match: {kuma.io/service: '*'}}]
      destinations: [{match: {kuma.io/service: '*'}}]
      conf:
        destination: {kuma.io/service: backend, version: v2}
      """;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path dataDir;

  private GlobalControlPlane cp;
  private String base;

  @BeforeEach
  void start() {
    GlobalConfig config =
        GlobalConfig.load(
            Map.of("api-port", "0", "kds-port", "0", "data-dir", dataDir.toString()),
            Map.of(),
            null);
    cp = new GlobalControlPlane(config, new MemoryResourceStore(), Clock.systemUTC()).start();
    base = "http://127.0.0.1:" + cp.apiPort();
  }

  @AfterEach
  void stop() {
    cp.close();
  }

  private HttpResponse<String> put(String path, String yaml) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/yaml")
            .PUT(HttpRequest.BodyPublishers.ofString(yaml))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aCrossZoneRouteWithoutMtlsIsAcceptedWithAWarning() throws Exception {
    assertThat(put("/meshes/default", "type: Mesh\nname: default\n").statusCode()).isEqualTo(201);

    HttpResponse<String> r = put("/meshes/default/traffic-routes/to-zone-2", TO_ZONE_2);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    assertThat(r.headers().firstValue("Warning"))
        .get()
        .asString()
        .startsWith("299 - \"TrafficRoute 'default/to-zone-2' routes to kuma.io/zone [zone-2]")
        .contains("mesh 'default' has mTLS off")
        .contains("cross-zone traffic needs mTLS");
    assertThat(
            put("/meshes/default/traffic-routes/to-zone-2?dryRun=true", TO_ZONE_2)
                .headers()
                .firstValue("Warning"))
        .isPresent();

    HttpResponse<String> local = put("/meshes/default/traffic-routes/local", LOCAL_ONLY);
    assertThat(local.statusCode()).isEqualTo(201);
    assertThat(local.headers().firstValue("Warning")).isEmpty();
  }

  @Test
  void withMtlsOnThereIsNoWarningAndTurningItOffWarnsAboutTheRoutes() throws Exception {
    assertThat(put("/meshes/default", "type: Mesh\nname: default\n" + MTLS).statusCode())
        .isEqualTo(201);
    HttpResponse<String> r = put("/meshes/default/traffic-routes/to-zone-2", TO_ZONE_2);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    assertThat(r.headers().firstValue("Warning")).isEmpty();

    HttpResponse<String> off = put("/meshes/default", "type: Mesh\nname: default\n");

    assertThat(off.statusCode()).as(off.body()).isEqualTo(200);
    assertThat(off.headers().firstValue("Warning"))
        .get()
        .asString()
        .contains("Mesh 'default' has mTLS off but its TrafficRoutes [to-zone-2] route to another")
        .contains("cross-zone traffic needs mTLS");
  }
}

package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.testing.FreePorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ProxyTemplate written on global reaches the Envoys of both zones (issue 10, must-show 7): a
 * global, two zones, a sidecar in each ({@code web} in zone-1 with an outbound to {@code backend},
 * {@code backend} in zone-2 with an outbound to {@code web}), each run by {@code meshfed dp run}.
 * The template patches every outbound cluster ({@code connectTimeout: 7s}) and also adds an EDS
 * cluster without endpoints, a step the zones must skip (Envoy would wait for endpoints no one
 * sends). Each Envoy's own {@code /config_dump} on its admin port shows the patched value and no
 * skipped cluster; deleting the template on global takes the patch away.
 */
class ProxyTemplateFederationIT {
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final String PATCHED = "\"connect_timeout\": \"7s\"";
  private static final String GENERATED = "\"connect_timeout\": \"5s\"";

  @TempDir Path dir;
  private Federation f;
  @RegisterExtension final LogsOnFailure logs = new LogsOnFailure(() -> f);
  private final Proxies processes = new Proxies();

  private static final String TEMPLATE =
      """
      type: ProxyTemplate
      name: outbound-timeouts
      mesh: default
      selectors:
      - match:
          kuma.io/service: '*'
      conf:
        imports: [default-proxy]
        modifications:
        - cluster:
            operation: patch
            match: {origin: outbound}
            value: |
              connectTimeout: 7s
        - cluster:
            operation: add
            value: |
              name: eds-without-endpoints
              type: EDS
              edsClusterConfig: {edsConfig: {ads: {}}}
      """;

  @AfterEach
  void stop() throws Exception {
    processes.close();
    if (f != null) {
      f.close();
    }
  }

  @Test
  void aTemplateOnGlobalPatchesTheEnvoysOfBothZonesAndGoesAwayWhenDeleted() throws Exception {
    f = new Federation(dir).startGlobal();
    List<Federation.Node> pair = f.startZones("zone-1", "zone-2");
    Federation.Node zone1 = pair.get(0);
    Federation.Node zone2 = pair.get(1);
    f.apply(f.global.api, "/meshes/default", "type: Mesh\nname: default\n");
    for (Federation.Node zone : List.of(zone1, zone2)) {
      await().atMost(CONVERGE).until(() -> f.get(zone.api, "/meshes/default") != null);
    }
    int webAdmin = sidecar(zone1, "web", "backend");
    int backendAdmin = sidecar(zone2, "backend", "web");
    for (int admin : List.of(webAdmin, backendAdmin)) {
      awaitConfig(admin, GENERATED, true);
    }

    f.apply(f.global.api, "/meshes/default/proxytemplates/outbound-timeouts", TEMPLATE);

    for (int admin : List.of(webAdmin, backendAdmin)) {
      String dump = awaitConfig(admin, PATCHED, true);
      // the one outbound cluster is patched, the inbound's local cluster is not
      assertThat(dump.split(java.util.regex.Pattern.quote(PATCHED), -1)).hasSize(2);
      assertThat(dump).contains(GENERATED).doesNotContain("eds-without-endpoints");
    }

    assertThat(
            f.delete(f.global.api, "/meshes/default/proxytemplates/outbound-timeouts").statusCode())
        .isIn(200, 204);

    for (int admin : List.of(webAdmin, backendAdmin)) {
      awaitConfig(admin, PATCHED, false);
    }
  }

  /**
   * Waits until the Envoy behind {@code admin} has {@code fragment} in its {@code /config_dump}
   * ({@code present}) or no longer has it; returns that dump.
   */
  private String awaitConfig(int admin, String fragment, boolean present) {
    String[] dump = new String[1];
    await("Envoy on admin port " + admin + (present ? " has " : " no longer has ") + fragment)
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(300))
        .ignoreExceptions()
        .until(
            () -> {
              var r = f.getRaw("http://127.0.0.1:" + admin, "/config_dump");
              dump[0] = r.body();
              return r.statusCode() == 200 && dump[0].contains(fragment) == present;
            });
    return dump[0];
  }

  /** A sidecar for {@code service} with an outbound to {@code target}; returns its admin port. */
  private int sidecar(Federation.Node zone, String service, String target) {
    int admin = FreePorts.one();
    processes.sidecar(
        f,
        zone,
        MeshYaml.sidecar(service + "-1")
            .inbound(FreePorts.one(), FreePorts.one(), service)
            .outbound(FreePorts.one(), target)
            .admin(admin));
    return admin;
  }
}

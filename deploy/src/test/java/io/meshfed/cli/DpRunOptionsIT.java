package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.testing.FreePorts;
import io.meshfed.testing.MeshfedProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshfed dp run} as a user first types it: only a dataplane file (name and mesh come from
 * it), and pointed at global by mistake.
 */
class DpRunOptionsIT {
  private static final String DATAPLANE =
      """
      type: Dataplane
      mesh: default
      name: web-1
      networking:
        address: 127.0.0.1
        inbound:
        - port: 18080
          servicePort: 8080
          tags:
            kuma.io/service: web
      """;

  @TempDir Path dir;

  @Test
  void pointedAtGlobalWithOnlyADataplaneFileItSaysToPointAtAZone() throws Exception {
    Path file = Files.writeString(dir.resolve("web-1.yaml"), DATAPLANE);
    List<Integer> ports = FreePorts.several(2);
    String api = "http://127.0.0.1:" + ports.get(0);
    try (MeshfedProcess global =
        MeshfedProcess.start(
            dir.resolve("global.log"),
            "global",
            "run",
            "--store",
            "memory",
            "--api-port",
            ports.get(0).toString(),
            "--kds-port",
            ports.get(1).toString(),
            "--data-dir",
            dir.resolve("global").toString())) {
      global.awaitReady(api);

      MeshfedProcess.Result r =
          MeshfedProcess.run(
              null,
              "dp",
              "run",
              "--cp-address",
              api,
              "--dataplane-file",
              file.toString(),
              "--envoy-binary",
              dir.resolve("no-envoy").toString());

      assertThat(r.exitCode()).as(r.stderr()).isEqualTo(1);
      assertThat(r.stderr())
          .contains(api + " is a global control plane (its GET / says mode: global)")
          .contains("point --cp-address at a zone control plane's API")
          .doesNotContain("--xds-address");

      MeshfedProcess.Result conflict =
          MeshfedProcess.run(
              null,
              "dp",
              "run",
              "--cp-address",
              api,
              "--mesh",
              "payments",
              "--dataplane-file",
              file.toString());

      assertThat(conflict.exitCode()).as(conflict.stderr()).isEqualTo(2);
      assertThat(conflict.stderr())
          .contains(
              "--mesh 'payments' contradicts the mesh 'default' in dataplane file '"
                  + file
                  + "': drop --mesh (it defaults to the file's mesh) or make them equal");
    }
  }
}

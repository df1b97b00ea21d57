package io.meshfed.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EnvoyProcessTest {
  /** Admin on a fixed port the fixture must override, and one static cluster to look for. */
  private static final String BOOTSTRAP =
      """
      {
        "node": {"id": "envoy-process-test", "cluster": "test"},
        "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 1}}},
        "static_resources": {
          "clusters": [{
            "name": "fixture_cluster",
            "type": "STATIC",
            "connect_timeout": "1s",
            "load_assignment": {
              "cluster_name": "fixture_cluster",
              "endpoints": [{"lb_endpoints": [{"endpoint": {"address":
                {"socket_address": {"address": "127.0.0.1", "port_value": 9}}}}]}]
            }
          }]
        }
      }
      """;

  @Test
  void startsReadyAnswersOnAdminAndStopsWithoutLeavingAProcess() {
    long pid;
    try (EnvoyProcess envoy = EnvoyProcess.startJson(BOOTSTRAP)) {
      envoy.awaitReady(Duration.ofSeconds(30));
      pid = envoy.pid();

      assertThat(envoy.adminPort()).isNotIn(0, 1);
      assertThat(envoy.adminGet("/ready")).isEqualToIgnoringWhitespace("LIVE");
      assertThat(envoy.adminGet("/clusters")).contains("fixture_cluster::127.0.0.1:9");
      assertThat(envoy.adminGet("/config_dump")).contains("envoy-process-test");
      assertThat(envoy.adminGet("/stats?filter=^cluster_manager.active_clusters$"))
          .contains("cluster_manager.active_clusters: 1");
      assertThat(envoy.logs()).contains("starting main dispatch loop");

      envoy.stop();
      assertThat(envoy.isAlive()).isFalse();
    }
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    assertThat(handle.map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
  }

  @Test
  void aBootstrapEnvoyRejectsFailsAwaitReadyWithEnvoysLog() {
    try (EnvoyProcess envoy = EnvoyProcess.startJson("{\"static_resources\": {\"clusters\": 7}}")) {
      assertThatThrownBy(() -> envoy.awaitReady(Duration.ofSeconds(30)))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("Envoy exited with code")
          .hasMessageContaining("clusters");
    }
  }
}

package io.meshfed.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class EnvoyLogLevelTest {
  private static LaunchOptions withLevel(String level) {
    return LaunchOptions.builder(
            URI.create("http://127.0.0.1:5681"), ProxyType.SIDECAR, "default", "dp-1")
        .envoyLogLevel(level)
        .build();
  }

  @Test
  void everyEnvoyLevelIsPassedAsEnvoySpellsIt() {
    assertThat(EnvoyLogLevel.arguments("WARN")).containsExactly("--log-level", "warn");
    for (String level : EnvoyLogLevel.LEVELS) {
      assertThat(withLevel(level).envoyLogLevel()).isEqualTo(level);
    }
    assertThat(withLevel(" Error ").envoyLogLevel()).isEqualTo("error");
  }

  @Test
  void anythingElseIsRefusedWithTheValidLevels() {
    assertThatThrownBy(() -> withLevel("loud"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--envoy-log-level 'loud' is not an Envoy log level (expected one of trace, debug,"
                + " info, warning, warn, error, critical, off)");
    assertThatThrownBy(() -> withLevel("")).hasMessageContaining("expected one of");
  }
}

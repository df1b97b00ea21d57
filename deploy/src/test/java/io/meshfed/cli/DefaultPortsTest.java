package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.api.settings.Setting;
import io.meshfed.api.settings.SettingsSpec;
import io.meshfed.global.GlobalConfig;
import io.meshfed.zone.ZoneConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Global and a zone started with no port flags on one host do not compete for a port. */
class DefaultPortsTest {
  /** Every {@code *-port} setting with a default: name to port. */
  private static Map<String, Integer> defaultPorts(SettingsSpec spec) {
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (Setting<?> s : spec.settings()) {
      if (s.name().endsWith("-port") && s.defaultValue() instanceof Integer port && port != 0) {
        ports.put(s.name(), port);
      }
    }
    return ports;
  }

  @Test
  void theDefaultsAreKumasPortsWithTheZoneApiAndMadsMovedBy10() {
    assertThat(defaultPorts(GlobalConfig.SPEC))
        .containsExactly(
            Map.entry("api-port", 5681), Map.entry("kds-port", 5685), Map.entry("mads-port", 5676));
    assertThat(defaultPorts(ZoneConfig.SPEC))
        .containsExactly(
            Map.entry("api-port", 5691), Map.entry("xds-port", 5678), Map.entry("mads-port", 5686));
  }

  @Test
  void noDefaultPortOfGlobalIsADefaultPortOfAZone() {
    assertThat(defaultPorts(GlobalConfig.SPEC).values())
        .doesNotContainAnyElementsOf(defaultPorts(ZoneConfig.SPEC).values());
  }
}

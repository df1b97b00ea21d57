package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.global.GlobalConfig;
import io.meshfed.zone.ZoneConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Plain {@code run} options are read without picocli; anything picocli might read otherwise, or
 * refuse, is left to it.
 */
class RunArgumentsTest {
  private static final Set<String> OPTIONAL = Set.of(ZoneConfig.KDS_INSECURE.flag());

  @Test
  void flagsWithSeparateOrAttachedValuesAreKeyedBySettingInTheSpecsOrder() {
    assertThat(
            RunArguments.plain(
                GlobalConfig.SPEC,
                Set.of(),
                List.of("--store", "memory", "--api-port=5681", "--config", "g.yaml")))
        .contains(
            new RunArguments(Map.of("api-port", "5681", "store", "memory"), Path.of("g.yaml")));
  }

  @Test
  void aFlagWhoseValueIsOptionalAloneIsTrue() {
    assertThat(RunArguments.plain(ZoneConfig.SPEC, OPTIONAL, List.of("--kds-insecure")))
        .contains(new RunArguments(Map.of("kds-insecure", "true"), null));
    assertThat(
            RunArguments.plain(
                ZoneConfig.SPEC, OPTIONAL, List.of("--kds-insecure", "--zone", "zone-1")))
        .contains(new RunArguments(Map.of("kds-insecure", "true", "zone", "zone-1"), null));
  }

  @Test
  void whatIsNotPlainIsLeftToPicocli() {
    for (List<String> args :
        List.of(
            List.of("--help"),
            List.of("-h"),
            List.of("-V"),
            List.of("--version"),
            List.of("help"),
            List.of("--nope=1"),
            List.of("--store"),
            List.of("--store", "memory", "--store", "etcd"),
            List.of("--store", "memory", "--store=etcd"),
            List.of("--api-port", "-1"),
            List.of("--api-port=-1"),
            List.of("--api-port="),
            List.of("--store", "@more-args"),
            List.of("@args"),
            List.of("--"),
            List.of("--store", "memory", "extra"),
            List.of("--config"))) {
      assertThat(RunArguments.plain(GlobalConfig.SPEC, Set.of(), args)).as("%s", args).isEmpty();
    }
    // whether the next word is its value is picocli's to say
    assertThat(RunArguments.plain(ZoneConfig.SPEC, OPTIONAL, List.of("--kds-insecure", "false")))
        .isEmpty();
    assertThat(RunArguments.plain(ZoneConfig.SPEC, Set.of(), List.of("--kds-insecure"))).isEmpty();
  }
}

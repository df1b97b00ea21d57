package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.api.ApiPreparation;
import org.junit.jupiter.api.Test;

/** A control plane's run command gets the API preparation begun before the command line's parse. */
class ApiCommandTest {
  @Test
  void globalRunAndZoneRunAreHandedThePreparation() {
    ApiPreparation preparation = ApiPreparation.begin();

    assertThat(ApiCommand.handOver(Main.commandLine("global", "run"), preparation, "global", "run"))
        .isTrue();
    assertThat(ApiCommand.handOver(Main.commandLine("zone", "run"), preparation, "zone", "run"))
        .isTrue();
  }

  @Test
  void otherCommandsBeginNone() {
    assertThat(ApiCommand.named("get", "meshes")).isFalse();
    assertThat(ApiCommand.named("global")).isFalse();
    assertThat(ApiCommand.named("global", "--help")).isFalse();
    assertThat(ApiCommand.named("dp", "run")).isFalse();
    assertThat(ApiCommand.named("zone", "run", "--help")).isTrue();
    assertThat(ApiCommand.handOver(Main.commandLine("get", "meshes"), null, "get", "meshes"))
        .isFalse();
  }
}

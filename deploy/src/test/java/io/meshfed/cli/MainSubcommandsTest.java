package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainSubcommandsTest {
  private static final String[] ALL = {
    "apply",
    "get",
    "inspect",
    "delete",
    "demo",
    "demo-app",
    "dp",
    "generate",
    "revoke",
    "rotate",
    "help",
    "global",
    "zone"
  };

  @Test
  void aCallThatNamesASubcommandMakesThatOneAlone() {
    assertThat(Main.commandLine("get", "meshes").getSubcommands()).containsOnlyKeys("get");
    assertThat(Main.commandLine("zone", "run").getSubcommands()).containsOnlyKeys("zone");
    assertThat(Main.commandLine("zone", "run").getSubcommands().get("zone").getSubcommands())
        .containsKey("run");
  }

  @Test
  void helpUsageAndUnknownNamesListEverySubcommandInOrder() {
    assertThat(Main.commandLine().getSubcommands().keySet()).containsExactly(ALL);
    assertThat(Main.commandLine("help", "get").getSubcommands().keySet()).containsExactly(ALL);
    assertThat(Main.commandLine("--help").getSubcommands().keySet()).containsExactly(ALL);
    assertThat(Main.commandLine("gte", "meshes").getSubcommands().keySet()).containsExactly(ALL);
  }

  @Test
  void theSubcommandNamedParsesAsBefore() {
    CommandLine.ParseResult r = Main.commandLine("get", "meshes").parseArgs("get", "meshes");
    assertThat(r.subcommand().commandSpec().userObject()).isInstanceOf(GetCommand.class);
  }
}

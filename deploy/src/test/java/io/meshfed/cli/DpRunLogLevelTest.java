package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DpRunLogLevelTest {
  private static DpCommand.Run parse(String... extra) {
    String[] args = new String[6 + extra.length];
    String[] base = {"dp", "run", "--cp-address", "http://127.0.0.1:5681", "--name", "dp-1"};
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    CommandLine.ParseResult result = Main.commandLine(args).parseArgs(args);
    return (DpCommand.Run) result.subcommand().subcommand().commandSpec().userObject();
  }

  @Test
  void envoyLogsWarningsByDefaultSoATerminalIsNotFloodedWithInfo() {
    assertThat(parse().envoyLogLevel).isEqualTo("warning");
    assertThat(parse("--envoy-log-level", "debug").envoyLogLevel).isEqualTo("debug");
  }
}

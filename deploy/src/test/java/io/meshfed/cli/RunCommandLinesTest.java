package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.global.GlobalConfig;
import io.meshfed.zone.ZoneConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code global run} and {@code zone run} made without annotations (what a control plane's start
 * uses) read the same arguments to the same settings, and print the same help and errors, as the
 * annotated commands of the full tree; plain arguments are read without any command line ({@link
 * RunArguments#plain}) to the same settings, and a start from them fails as one through picocli.
 */
class RunCommandLinesTest {
  private static final List<String> GLOBAL_ARGS =
      List.of(
          "--api-port=0",
          "--store",
          "memory",
          "--kds-heartbeat-interval=3s",
          "--etcd-endpoints=http://a:2379,http://b:2379",
          "--config",
          "global.yaml");
  private static final List<String> ZONE_ARGS =
      List.of("--zone", "zone-1", "--kds-insecure", "--api-port=0", "--config=zone.yaml");

  @Test
  void theFastPathIsTheOneAControlPlaneStartUses() {
    assertThat(Main.commandLine("global", "run").getCommandSpec().userObject())
        .isInstanceOf(Main.class);
    assertThat(run(Main.commandLine("global", "run"), "global").getCommandSpec().userObject())
        .isInstanceOf(GlobalCommand.Run.class);
    assertThat(run(Main.commandLine("zone", "run"), "zone").getCommandSpec().userObject())
        .isInstanceOf(ZoneCommand.Run.class);
    // the command reads its flags from the spec the command line parses into
    CommandLine global = run(RunCommandLines.of("global"), "global");
    assertThat(((GlobalCommand.Run) global.getCommand()).spec).isSameAs(global.getCommandSpec());
    CommandLine zone = run(RunCommandLines.of("zone"), "zone");
    assertThat(((ZoneCommand.Run) zone.getCommand()).spec).isSameAs(zone.getCommandSpec());
  }

  @Test
  void globalRunParsesTheSameArgumentsToTheSameSettings() {
    CommandSpec fast = parsed(RunCommandLines.of("global"), "global", GLOBAL_ARGS);
    CommandSpec full = parsed(Main.commandLine(), "global", GLOBAL_ARGS);

    assertThat(SettingsOptions.flags(fast, GlobalConfig.SPEC))
        .isEqualTo(SettingsOptions.flags(full, GlobalConfig.SPEC))
        .containsEntry("store", "memory")
        .containsEntry("kds-heartbeat-interval", "3s");
    assertThat(SettingsOptions.configFile(fast))
        .isEqualTo(SettingsOptions.configFile(full))
        .isEqualTo(Path.of("global.yaml"));
  }

  @Test
  void zoneRunParsesTheSameArgumentsToTheSameSettings() {
    CommandSpec fast = parsed(RunCommandLines.of("zone"), "zone", ZONE_ARGS);
    CommandSpec full = parsed(Main.commandLine(), "zone", ZONE_ARGS);

    assertThat(SettingsOptions.flags(fast, ZoneConfig.SPEC))
        .isEqualTo(SettingsOptions.flags(full, ZoneConfig.SPEC))
        .containsEntry("zone", "zone-1")
        .containsEntry("kds-insecure", "true");
    assertThat(SettingsOptions.configFile(fast)).isEqualTo(SettingsOptions.configFile(full));
  }

  @Test
  void theHelpVersionAndUsageErrorsAreTheSame() {
    for (String role : List.of("global", "zone")) {
      for (List<String> args :
          List.of(List.of("--help"), List.of("-h"), List.of("--version"), List.of("--nope=1"))) {
        String[] argv = concat(role, args);
        assertThat(output(RunCommandLines.of(role), argv))
            .as("meshfed %s run %s", role, args)
            .isEqualTo(output(Main.commandLine(), argv));
      }
    }
    assertThat(output(RunCommandLines.of("global"), "global", "run", "--help"))
        .contains("Usage: meshfed global run [-hV]", "--api-port=API_PORT");
  }

  @Test
  void plainArgumentsAreReadWithoutPicocliToWhatItParses() {
    assertThat(ApiCommand.of("global").plain(GLOBAL_ARGS))
        .contains(
            RunArguments.of(parsed(Main.commandLine(), "global", GLOBAL_ARGS), GlobalConfig.SPEC));
    for (List<String> args :
        List.of(
            ZONE_ARGS,
            List.of("--kds-insecure=false", "--zone", "zone-1"),
            List.of("--zone=zone-1", "--kds-insecure"))) {
      assertThat(ApiCommand.of("zone").plain(args))
          .as("zone run %s", args)
          .contains(RunArguments.of(parsed(Main.commandLine(), "zone", args), ZoneConfig.SPEC));
    }
    assertThat(ApiCommand.of("global").plain(List.of())).contains(new RunArguments(Map.of(), null));
  }

  @Test
  void aStartFromPlainArgumentsFailsAsOneThroughPicocli(@TempDir Path dir) throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("file"), "");
    List<String> args =
        List.of("--store", "memory", "--api-port", "0", "--data-dir", notADirectory.toString());
    // picocli expands an @file, which plain arguments never hold: this start goes through it
    Path argFile = Files.write(dir.resolve("args"), args);
    assertThat(ApiCommand.of("global").plain(List.of("@" + argFile))).isEmpty();
    assertThat(ApiCommand.of("global").plain(args)).isPresent();

    String plain = started(concat("global", args));
    assertThat(plain)
        .isEqualTo(started("global", "run", "@" + argFile))
        .startsWith("Error: cannot start the global control plane: cannot open the lock file")
        .endsWith("--- exit 1");
  }

  /** What {@link Main#run} with {@code args} prints on standard error and exits with. */
  private static String started(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream before = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int status;
    try {
      status = Main.run(Map.of(), args);
    } finally {
      System.setErr(before);
    }
    return err.toString(StandardCharsets.UTF_8) + "--- exit " + status;
  }

  private static CommandLine run(CommandLine root, String role) {
    return root.getSubcommands().get(role).getSubcommands().get("run");
  }

  private static CommandSpec parsed(CommandLine root, String role, List<String> args) {
    root.parseArgs(concat(role, args));
    return run(root, role).getCommandSpec();
  }

  private static String[] concat(String role, List<String> args) {
    String[] argv = new String[args.size() + 2];
    argv[0] = role;
    argv[1] = "run";
    for (int i = 0; i < args.size(); i++) {
      argv[i + 2] = args.get(i);
    }
    return argv;
  }

  /** What {@code args} print (standard output, then error) and exit with. */
  private static String output(CommandLine root, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    root.setOut(new PrintWriter(out));
    root.setErr(new PrintWriter(err));
    root.setCaseInsensitiveEnumValuesAllowed(true);
    int status = root.execute(args);
    return out + "\n--- stderr\n" + err + "\n--- exit " + status;
  }
}

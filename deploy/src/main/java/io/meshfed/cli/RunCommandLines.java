package io.meshfed.cli;

import io.meshfed.global.GlobalConfig;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The command line of {@code meshfed global run} and {@code meshfed zone run}, built without
 * reading picocli's annotations: reading them makes dynamic proxy classes (one per annotation type,
 * and the JDK's for their meta-annotations) that the class-data archive cannot hold, on the way to
 * a control plane's first answer. The same commands, descriptions, options and standard help
 * options as the annotated {@link Main}, {@link GlobalCommand} and {@link ZoneCommand}, which every
 * other call uses (a test compares the two).
 */
final class RunCommandLines {
  private RunCommandLines() {}

  /** {@code meshfed <role> run}: {@code role} is {@code global} or {@code zone}. */
  static CommandLine of(String role) {
    Main main = new Main();
    main.spec = standard(main, "meshfed", Main.DESCRIPTION_1, Main.DESCRIPTION_2);
    main.spec.versionProvider(new Main.Version());
    CommandLine root = new CommandLine(main.spec);
    CommandLine roleLine;
    CommandLine runLine;
    if (role.equals("global")) {
      GlobalCommand command = new GlobalCommand();
      command.spec = standard(command, role, GlobalCommand.DESCRIPTION);
      GlobalCommand.Run run = new GlobalCommand.Run();
      run.spec = standard(run, "run", GlobalCommand.Run.DESCRIPTION);
      roleLine = new CommandLine(command.spec);
      runLine = new CommandLine(run.spec);
      SettingsOptions.install(runLine, GlobalConfig.SPEC);
    } else if (role.equals("zone")) {
      ZoneCommand command = new ZoneCommand();
      command.spec = standard(command, role, ZoneCommand.DESCRIPTION);
      ZoneCommand.Run run = new ZoneCommand.Run();
      run.spec = standard(run, "run", ZoneCommand.Run.DESCRIPTION);
      roleLine = new CommandLine(command.spec);
      runLine = new CommandLine(run.spec);
      ZoneCommand.installOptions(runLine);
    } else {
      throw new IllegalArgumentException("not a control plane: " + role);
    }
    roleLine.addSubcommand("run", runLine);
    root.addSubcommand(role, roleLine);
    return root;
  }

  /** A command named {@code name} with picocli's standard help options ({@code -h}, {@code -V}). */
  private static CommandSpec standard(Object command, String name, String... description) {
    CommandSpec spec = CommandSpec.wrapWithoutInspection(command).name(name);
    spec.usageMessage().description(description);
    spec.addOption(
        OptionSpec.builder("-h", "--help")
            .usageHelp(true)
            .description("Show this help message and exit.")
            .build());
    spec.addOption(
        OptionSpec.builder("-V", "--version")
            .versionHelp(true)
            .description("Print version information and exit.")
            .build());
    return spec;
  }
}

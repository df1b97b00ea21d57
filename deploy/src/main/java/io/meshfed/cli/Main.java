package io.meshfed.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code meshfed} command. */
@Command(
    name = "meshfed",
    description = {
      "meshfed: a multi-zone control plane federation for an Envoy service mesh.",
      "Run a global control plane, and manage its resources with Kuma-style universal YAML."
    },
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    subcommands = {
      ApplyCommand.class,
      GetCommand.class,
      InspectCommand.class,
      DeleteCommand.class,
      DemoCommand.class,
      DemoAppCommand.class,
      DpCommand.class,
      GenerateCommand.class,
      RevokeCommand.class,
      RotateCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit status (0 ok, 1 failure, 2 usage error). */
  public static int run(String... args) {
    return run(System.getenv(), args);
  }

  /** {@link #run(String...)} with {@code env} in place of the process environment (tests). */
  static int run(java.util.Map<String, String> env, String... args) {
    CliEnvironment.use(env);
    CommandLine cli = new CommandLine(new Main());
    cli.addSubcommand("global", GlobalCommand.create());
    cli.addSubcommand("zone", ZoneCommand.create());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          if (ex instanceof CliException) {
            commandLine.getErr().println("Error: " + ex.getMessage());
            return 1;
          }
          throw ex;
        });
    return cli.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** The version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    static String get() {
      String v = Main.class.getPackage().getImplementationVersion();
      return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
      return new String[] {"meshfed " + get()};
    }
  }
}

package io.meshfed.cli;

import io.meshfed.api.ApiPreparation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code meshfed} command. */
@Command(
    name = "meshfed",
    description = {Main.DESCRIPTION_1, Main.DESCRIPTION_2},
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class)
public final class Main implements Runnable {
  static final String DESCRIPTION_1 =
      "meshfed: a multi-zone control plane federation for an Envoy service mesh.";
  static final String DESCRIPTION_2 =
      "Run a global control plane, and manage its resources with Kuma-style universal YAML.";

  /**
   * The subcommands, in the order {@code --help} lists them, each made only when needed: a call
   * names one, and picocli then reads the options of that one alone (its annotations, by
   * reflection) instead of all of them, which a CLI call would otherwise pay on every start.
   */
  private static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    LogProvider.select(System::getProperty, System::setProperty);
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit status (0 ok, 1 failure, 2 usage error). */
  public static int run(String... args) {
    return run(System.getenv(), args);
  }

  /** {@link #run(String...)} with {@code env} in place of the process environment (tests). */
  static int run(java.util.Map<String, String> env, String... args) {
    CliEnvironment.use(env);
    // a control plane's start: its API's first answer is prepared while the command line is parsed
    ApiPreparation preparation = ApiCommand.named(args) ? ApiPreparation.begin() : null;
    if (preparation != null) {
      ApiCommand command = ApiCommand.of(args[0]);
      Optional<RunArguments> plain = command.plain(List.of(args).subList(2, args.length));
      if (plain.isPresent()) { // no command line to build: picocli is for help and errors
        command.prepared(preparation);
        return start(command, plain.get());
      }
    }
    CommandLine cli = commandLine(args);
    if (preparation != null) {
      ApiCommand.handOver(cli, preparation, args);
    }
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setExecutionExceptionHandler(new CliErrors());
    return cli.execute(args);
  }

  /**
   * The command line for {@code args}: {@code global run} and {@code zone run} made without reading
   * annotations ({@link RunCommandLines}); else with only the subcommand {@code args[0]} names when
   * it names one, else ({@code help}, usage, a mistyped name) with every subcommand, so that they
   * are all listed.
   */
  static CommandLine commandLine(String... args) {
    if (ApiCommand.named(args)) {
      return RunCommandLines.of(args[0]); // a control plane's start: no annotation is read
    }
    CommandLine cli = new CommandLine(new Main());
    Supplier<Object> named =
        args.length > 0 && !args[0].equals("help") ? SUBCOMMANDS.get(args[0]) : null;
    if (named != null) {
      add(cli, args[0], named.get());
    } else {
      SUBCOMMANDS.forEach((name, make) -> add(cli, name, make.get()));
    }
    return cli;
  }

  private static void add(CommandLine cli, String name, Object command) {
    if (command instanceof CommandLine made) {
      cli.addSubcommand(name, made);
    } else {
      cli.addSubcommand(name, command);
    }
  }

  private static Map<String, Supplier<Object>> subcommands() {
    Map<String, Supplier<Object>> all = new LinkedHashMap<>();
    all.put("apply", ApplyCommand::new);
    all.put("get", GetCommand::new);
    all.put("inspect", InspectCommand::new);
    all.put("delete", DeleteCommand::new);
    all.put("demo", DemoCommand::new);
    all.put("demo-app", DemoAppCommand::new);
    all.put("dp", DpCommand::new);
    all.put("generate", GenerateCommand::new);
    all.put("revoke", RevokeCommand::new);
    all.put("rotate", RotateCommand::new);
    // a lambda, not HelpCommand::new: linking that reference would load picocli's help command on
    // every call, and the class-data archive leaves out a Java 5 class that its dump linked
    all.put("help", () -> new CommandLine.HelpCommand());
    all.put("global", GlobalCommand::create);
    all.put("zone", ZoneCommand::create);
    return java.util.Collections.unmodifiableMap(all);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /**
   * Runs {@code command} with {@code given} as picocli's {@code execute} runs it with {@link
   * CliErrors}: its status, or 1 after printing a {@link CliException} as {@code Error: <message>}
   * or anything else with its stack trace.
   */
  private static int start(ApiCommand command, RunArguments given) {
    try {
      return command.start(given);
    } catch (CliException e) {
      System.err.println("Error: " + e.getMessage());
      return 1;
    } catch (Exception e) {
      e.printStackTrace();
      return 1;
    }
  }

  /**
   * A {@link CliException} is printed as {@code Error: <message>} (exit 1); anything else goes to
   * picocli's default. A class rather than a lambda: picocli's classes are Java 5 class files, and
   * the class-data archive's dump leaves out such a class (and its implementations, picocli's
   * default handler among them) once it has linked a lambda to it.
   */
  static final class CliErrors implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(
        Exception ex, CommandLine commandLine, CommandLine.ParseResult parseResult)
        throws Exception {
      if (ex instanceof CliException) {
        commandLine.getErr().println("Error: " + ex.getMessage());
        return 1;
      }
      throw ex;
    }
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

package io.meshfed.cli;

import io.meshfed.api.ApiPreparation;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;

/**
 * A command that opens a control plane's API ({@code global run}, {@code zone run}): {@link Main}
 * begins what the API's first answer needs ({@link ApiPreparation}) before it parses the command
 * line, and hands it over here; a command given none begins its own.
 */
interface ApiCommand {
  /** The names of the commands that open an API, as the command line gives them. */
  static boolean named(String... args) {
    return args.length >= 2
        && (args[0].equals("global") || args[0].equals("zone"))
        && args[1].equals("run");
  }

  /**
   * Hands {@code preparation} to the command {@code args} name in {@code cli} (made for them by
   * {@link Main#commandLine}); false when they name no {@link ApiCommand}.
   */
  static boolean handOver(CommandLine cli, ApiPreparation preparation, String... args) {
    if (named(args)
        && cli.getSubcommands().get(args[0]).getSubcommands().get(args[1]).getCommand()
            instanceof ApiCommand command) {
      command.prepared(preparation);
      return true;
    }
    return false;
  }

  /** The command {@code role} ({@code global} or {@code zone}) runs, made without picocli. */
  static ApiCommand of(String role) {
    return switch (role) {
      case "global" -> new GlobalCommand.Run();
      case "zone" -> new ZoneCommand.Run();
      default -> throw new IllegalArgumentException("not a control plane: " + role);
    };
  }

  void prepared(ApiPreparation preparation);

  /**
   * {@code options} (what follows {@code run}) when they are plain ({@link RunArguments#plain}).
   */
  Optional<RunArguments> plain(List<String> options);

  /** Runs the control plane with {@code given}; returns the exit status. */
  int start(RunArguments given) throws InterruptedException;
}

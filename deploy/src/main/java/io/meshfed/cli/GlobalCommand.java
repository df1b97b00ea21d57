package io.meshfed.cli;

import io.meshfed.api.settings.SettingsException;
import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.global.GlobalStores;
import io.meshfed.model.StandardTypes;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.StoreException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/** {@code meshfed global ...}: the global control plane. */
@Command(
    name = "global",
    description = "The global control plane: the one place where policy is written.",
    mixinStandardHelpOptions = true,
    subcommands = {GlobalCommand.Run.class})
final class GlobalCommand implements Runnable {
  @CommandLine.Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** {@code meshfed global run}: serve the REST API until stopped. */
  @Command(
      name = "run",
      description = {
        "Run the global control plane. Every option can also come from the config file or a"
            + " MESHFED_* environment variable; flags win over the environment, which wins over"
            + " the file."
      },
      mixinStandardHelpOptions = true)
  static final class Run implements Callable<Integer> {
    @CommandLine.Spec CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
      GlobalConfig config;
      try {
        config =
            GlobalConfig.load(
                SettingsOptions.flags(spec, GlobalConfig.SPEC),
                System.getenv(),
                SettingsOptions.configFile(spec));
      } catch (SettingsException e) {
        System.err.println("Error: invalid configuration:");
        e.problems().forEach(p -> System.err.println("  - " + p));
        return 2;
      }
      ResourceStore store = GlobalStores.open(config, StandardTypes.registry(), Clock.systemUTC());
      GlobalControlPlane cp =
          GlobalControlPlane.secured(
              config, store, Clock.systemUTC(), io.meshfed.global.kds.KdsServerOptions.defaults());
      try {
        cp.start();
      } catch (UncheckedIOException e) {
        cp.close();
        if (e.getCause() instanceof BindException) {
          throw new CliException(
              "cannot listen on "
                  + config.apiAddress()
                  + ":"
                  + config.apiPort()
                  + " ("
                  + e.getCause().getMessage()
                  + "); is another control plane running? Choose another port with --api-port.");
        }
        throw new CliException("cannot start the API: " + e.getMessage());
      } catch (IllegalArgumentException | StoreException e) {
        // unusable --kds-tls-* files, or a store that cannot hold the KDS keys
        cp.close();
        throw new CliException("cannot start the global control plane: " + e.getMessage());
      }
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    cp.close();
                    stopped.countDown();
                  },
                  "meshfed-shutdown"));
      stopped.await();
      return 0;
    }
  }

  /** Builds the command with one option per global setting. */
  static CommandLine create() {
    CommandLine cli = new CommandLine(new GlobalCommand());
    SettingsOptions.install(cli.getSubcommands().get("run"), GlobalConfig.SPEC);
    return cli;
  }
}

package io.meshfed.cli;

import io.meshfed.api.ApiPreparation;
import io.meshfed.api.EarlyApi;
import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.global.GlobalStores;
import io.meshfed.global.kds.KdsServerOptions;
import io.meshfed.model.StandardTypes;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.embedded.DataDirLock;
import io.meshfed.store.etcd.Stores;
import io.meshfed.store.ha.Coordination;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/** {@code meshfed global ...}: the global control plane. */
@Command(
    name = "global",
    description = GlobalCommand.DESCRIPTION,
    mixinStandardHelpOptions = true,
    subcommands = {GlobalCommand.Run.class})
final class GlobalCommand implements Runnable {
  static final String DESCRIPTION =
      "The global control plane: the one place where policy is written.";

  @CommandLine.Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** {@code meshfed global run}: serve the REST API until stopped. */
  @Command(name = "run", description = Run.DESCRIPTION, mixinStandardHelpOptions = true)
  static final class Run implements Callable<Integer>, ApiCommand {
    static final String DESCRIPTION =
        "Run the global control plane. Every option can also come from the config file or a"
            + " MESHFED_* environment variable; flags win over the environment, which wins over"
            + " the file.";

    @CommandLine.Spec CommandSpec spec;
    private ApiPreparation preparation; // begun before the command line was parsed, or null

    @Override
    public void prepared(ApiPreparation preparation) {
      this.preparation = preparation;
    }

    @Override
    public Optional<RunArguments> plain(List<String> options) {
      return RunArguments.plain(GlobalConfig.SPEC, Set.of(), options);
    }

    @Override
    public Integer call() throws InterruptedException {
      return start(RunArguments.of(spec, GlobalConfig.SPEC));
    }

    @Override
    public int start(RunArguments given) throws InterruptedException {
      ApiPreparation prepared = preparation != null ? preparation : ApiPreparation.begin();
      // the settings and the data directory's lock make no logger: read while the logging starts
      GlobalConfig config =
          ControlPlaneRunner.load(
              () -> GlobalConfig.load(given.flags(), System.getenv(), given.configFile()));
      if (config == null) {
        return ControlPlaneRunner.BAD_CONFIGURATION;
      }
      DataDirLock lock = ControlPlaneRunner.lockDataDir("global", config.dataDir());
      prepared.awaitLogging(); // no logger is made while another thread configures the logging
      Clock clock = Clock.systemUTC();
      // what GlobalControlPlane.newInstanceId() makes, made while the settings were read
      String instanceId = prepared.instanceSuffix();
      // the API answers GET / (and 503 + Retry-After to the rest) while the store opens
      EarlyApi api =
          ControlPlaneRunner.listen(
              "global",
              () -> GlobalControlPlane.listenEarly(config, instanceId, prepared.meters(), clock));
      GlobalControlPlane cp =
          ControlPlaneRunner.withStore(
              "global",
              api,
              () -> GlobalStores.open(config, StandardTypes.registry(), clock),
              store -> build(config, store, instanceId, clock, api));
      return ControlPlaneRunner.serve(
          "global",
          cp,
          () -> {
            cp.start();
            StartupFiles.forGlobal(config).log();
          },
          lock);
    }
  }

  /**
   * The control plane on {@code store} (opened), serving on {@code api}; replicas on one etcd elect
   * a leader and share zone stream keys, other stores serve one process.
   */
  private static GlobalControlPlane build(
      GlobalConfig config, ResourceStore store, String instanceId, Clock clock, EarlyApi api) {
    Coordination coordination;
    try {
      coordination = Stores.coordination(config, instanceId);
    } catch (RuntimeException e) {
      store.close();
      throw new CliException(
          "cannot start the global control plane: cannot join the replicas on its store: "
              + e.getMessage());
    }
    return GlobalControlPlane.secured(
        config, store, clock, KdsServerOptions.defaults(), coordination, api);
  }

  /** Builds the command with one option per global setting. */
  static CommandLine create() {
    CommandLine cli = new CommandLine(new GlobalCommand());
    SettingsOptions.install(cli.getSubcommands().get("run"), GlobalConfig.SPEC);
    return cli;
  }
}

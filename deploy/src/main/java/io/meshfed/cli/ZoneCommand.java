package io.meshfed.cli;

import io.meshfed.api.ApiPreparation;
import io.meshfed.api.EarlyApi;
import io.meshfed.model.StandardTypes;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.StoreException;
import io.meshfed.store.embedded.DataDirLock;
import io.meshfed.store.etcd.Stores;
import io.meshfed.store.ha.Coordination;
import io.meshfed.zone.ZoneConfig;
import io.meshfed.zone.ZoneControlPlane;
import io.meshfed.zone.ZoneStores;
import io.meshfed.zone.kds.KdsClientOptions;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** {@code meshfed zone ...}: a zone control plane. */
@Command(
    name = "zone",
    description = ZoneCommand.DESCRIPTION,
    mixinStandardHelpOptions = true,
    subcommands = {ZoneCommand.Run.class})
final class ZoneCommand implements Runnable {
  static final String DESCRIPTION =
      "A zone control plane: serves its zone and syncs with global over KDS.";

  @CommandLine.Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** {@code meshfed zone run}: serve the zone's REST API and stay connected to global. */
  @Command(name = "run", description = Run.DESCRIPTION, mixinStandardHelpOptions = true)
  static final class Run implements Callable<Integer>, ApiCommand {
    static final String DESCRIPTION =
        "Run a zone control plane connected to global (--global-address grpcs://HOST:PORT,"
            + " --zone-token-file). Every option can also come from the config file or a MESHFED_*"
            + " environment variable; flags win over the environment, which wins over the file.";

    @CommandLine.Spec CommandSpec spec;
    private ApiPreparation preparation; // begun before the command line was parsed, or null

    @Override
    public void prepared(ApiPreparation preparation) {
      this.preparation = preparation;
    }

    @Override
    public Optional<RunArguments> plain(List<String> options) {
      return RunArguments.plain(ZoneConfig.SPEC, Set.of(ZoneConfig.KDS_INSECURE.flag()), options);
    }

    @Override
    public Integer call() throws InterruptedException {
      return start(RunArguments.of(spec, ZoneConfig.SPEC));
    }

    @Override
    public int start(RunArguments given) throws InterruptedException {
      ApiPreparation prepared = preparation != null ? preparation : ApiPreparation.begin();
      // the settings and the data directory's lock make no logger: read while the logging starts
      ZoneConfig config =
          ControlPlaneRunner.load(
              () -> ZoneConfig.load(given.flags(), System.getenv(), given.configFile()));
      if (config == null) {
        return ControlPlaneRunner.BAD_CONFIGURATION;
      }
      DataDirLock lock = ControlPlaneRunner.lockDataDir("zone", config.dataDir());
      prepared.awaitLogging(); // no logger is made while another thread configures the logging
      Clock clock = Clock.systemUTC();
      String instanceId = ZoneControlPlane.newInstanceId(config.zone(), prepared.instanceSuffix());
      // the API answers GET / (and 503 + Retry-After to the rest) while the store opens
      EarlyApi api =
          ControlPlaneRunner.listen(
              "zone",
              () -> ZoneControlPlane.listenEarly(config, instanceId, prepared.meters(), clock));
      ZoneControlPlane cp =
          ControlPlaneRunner.withStore(
              "zone",
              api,
              () -> ZoneStores.open(config, StandardTypes.registry(), clock),
              store -> build(config, store, instanceId, clock, api));
      return ControlPlaneRunner.serve(
          "zone",
          cp,
          () -> {
            cp.start();
            StartupFiles.forZone(config).log();
          },
          lock);
    }
  }

  /**
   * The control plane on {@code store} (opened), serving on {@code api}. One coordination per
   * process, beside the store: on etcd it elects the replica of the zone that holds the KDS
   * connection to global and registers this one; embedded and memory stores serve one process,
   * which always leads.
   */
  private static ZoneControlPlane build(
      ZoneConfig config, ResourceStore store, String instanceId, Clock clock, EarlyApi api) {
    Coordination coordination;
    try {
      coordination = Stores.coordination(config, instanceId);
    } catch (IllegalArgumentException | IllegalStateException | StoreException e) {
      store.close();
      throw new CliException(
          "cannot start the zone control plane: cannot open the coordination of replicas: "
              + e.getMessage());
    }
    return new ZoneControlPlane(
        config,
        store,
        clock,
        config.kdsClientOptions(KdsClientOptions.defaults()),
        coordination,
        api);
  }

  /**
   * Builds the command with one option per zone setting; {@code --kds-insecure} also works without
   * a value.
   */
  static CommandLine create() {
    CommandLine cli = new CommandLine(new ZoneCommand());
    installOptions(cli.getSubcommands().get("run"));
    return cli;
  }

  /** Adds the settings' options to {@code run}, {@code zone run}'s command. */
  static void installOptions(CommandLine run) {
    SettingsOptions.install(run, ZoneConfig.SPEC);
    CommandSpec spec = run.getCommandSpec();
    OptionSpec insecure = spec.findOption(ZoneConfig.KDS_INSECURE.flag());
    spec.remove(insecure);
    spec.addOption(
        OptionSpec.builder(insecure.names())
            .paramLabel("true|false")
            .type(String.class)
            .arity("0..1")
            .fallbackValue("true")
            .description(insecure.description())
            .build());
  }
}

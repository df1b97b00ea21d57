package io.meshfed.cli;

import io.meshfed.dp.DataplaneLauncher;
import io.meshfed.dp.EnvoyLogLevel;
import io.meshfed.dp.LaunchException;
import io.meshfed.dp.LaunchOptions;
import io.meshfed.dp.ProxyType;
import io.meshfed.dp.XdsAddress;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** {@code meshfed dp ...}: data plane proxies. */
@Command(
    name = "dp",
    description = "Data plane proxies: run and supervise Envoy for a Dataplane or a ZoneIngress.",
    mixinStandardHelpOptions = true,
    subcommands = {DpCommand.Run.class})
final class DpCommand implements Runnable {
  @CommandLine.Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** {@code meshfed dp run}: register, bootstrap and supervise one Envoy. */
  @Command(
      name = "run",
      description = {
        "Register a Dataplane (--proxy-type sidecar) or a ZoneIngress (--proxy-type ingress) with"
            + " the zone control plane, write an Envoy bootstrap that points Envoy at the zone's"
            + " xDS server, and run Envoy, restarting it with back-off when it exits.",
        "On SIGTERM or Ctrl-C: stop Envoy (SIGTERM, SIGKILL after 10s), delete the registered"
            + " resource, exit 0."
      },
      mixinStandardHelpOptions = true)
  static final class Run implements Callable<Integer> {
    @CommandLine.Spec CommandSpec spec;

    @Option(
        names = "--cp-address",
        required = true,
        split = ",",
        paramLabel = "URL",
        description = {
          "The zone control plane's REST API, e.g. http://127.0.0.1:5691 (not global's: global"
              + " serves no proxies).",
          "Repeat it (or give a comma list) for a zone with several replicas: registration and"
              + " deregistration try each in turn and stick to the one that answers."
        })
    List<String> cpAddress;

    @Option(
        names = "--mesh",
        paramLabel = "MESH",
        description =
            "Mesh of the Dataplane (default: the dataplane file's mesh, else default); must match"
                + " the file's mesh.")
    String mesh;

    @Option(
        names = "--name",
        paramLabel = "NAME",
        description =
            "Name of the Dataplane or ZoneIngress (default: the dataplane file's name; required"
                + " without a file); must match the file's name.")
    String name;

    @Option(
        names = "--dataplane-file",
        paramLabel = "FILE|-",
        description = {
          "The Dataplane or ZoneIngress (universal YAML or JSON) to register; - reads stdin.",
          "Without it the resource must already exist in the zone; it is then left in place on"
              + " exit."
        })
    String dataplaneFile;

    @Option(
        names = "--proxy-type",
        defaultValue = "sidecar",
        paramLabel = "sidecar|ingress",
        description =
            "sidecar (a Dataplane) or ingress (a ZoneIngress); default: ${DEFAULT-VALUE}.")
    String proxyType;

    @Option(
        names = "--envoy-binary",
        defaultValue = "envoy",
        paramLabel = "PATH",
        description = "The Envoy executable (default: envoy from the PATH).")
    String envoyBinary;

    @Option(
        names = "--xds-address",
        split = ",",
        paramLabel = "HOST:PORT",
        description = {
          "Where Envoy dials xDS (default: the host of each --cp-address and the xdsPort its GET"
              + " / announces).",
          "Repeat it (or give a comma list) for several zone replicas: Envoy's xDS cluster gets"
              + " one endpoint each, round robin, and reconnects to another when one goes away."
        })
    List<String> xdsAddress;

    @Option(
        names = "--admin-port",
        paramLabel = "PORT",
        description =
            "Envoy admin port on 127.0.0.1 (default: the resource's networking.admin.port, else"
                + " a free port).")
    Integer adminPort;

    @Option(
        names = "--data-dir",
        paramLabel = "DIR",
        description =
            "Where the bootstrap is written (kept on exit; default: a temporary directory removed"
                + " on exit).")
    Path dataDir;

    @Option(
        names = {"--dataplane-token-file", "--token-file"},
        paramLabel = "FILE",
        description =
            "File holding this proxy's dataplane token (`meshfed generate dataplane-token`), sent"
                + " on registration and on the xDS stream; required unless the zone runs with"
                + " dp-token-required: false.")
    Path tokenFile;

    @Option(
        names = "--envoy-log-level",
        defaultValue = EnvoyLogLevel.DEFAULT,
        paramLabel = "LEVEL",
        description =
            "Envoy's --log-level: trace, debug, info, warning, error, critical or off (default:"
                + " ${DEFAULT-VALUE}; info prints every listener and cluster Envoy loads).")
    String envoyLogLevel;

    @Option(
        names = "--drain-time",
        defaultValue = "5s",
        paramLabel = "D",
        description = {
          "Envoy's --drain-time-s (whole seconds; a Go duration: 5s, 1m), with --drain-strategy"
              + " immediate: how long a listener or filter chain replaced by a config change keeps"
              + " its open connections before Envoy closes them (default: ${DEFAULT-VALUE}).",
          "A TCP inbound checks permissions once per connection: this bounds how long a"
              + " connection a permission change denies stays open."
        })
    String drainTime;

    @Option(
        names = "--registration-check-interval",
        defaultValue = "10",
        paramLabel = "SECONDS",
        description =
            "How often a resource registered from --dataplane-file is read back from the zone and"
                + " registered again when the zone lost it (0: never; default: ${DEFAULT-VALUE}).")
    int registrationCheckSeconds;

    @Override
    public Integer call() throws InterruptedException {
      if (registrationCheckSeconds < 0) {
        throw usage(
            "--registration-check-interval "
                + registrationCheckSeconds
                + " is negative (expected seconds, 0 to disable)");
      }
      DpIdentity identity = identity();
      DataplaneLauncher launcher =
          DataplaneLauncher.create(
              options(identity), identity.stdin(), Duration.ofSeconds(registrationCheckSeconds));
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    if (launcher.stop()) {
                      // A signal-driven stop is a normal end: exit 0, not the JVM's 128+signal.
                      Runtime.getRuntime().halt(0);
                    }
                  },
                  "meshfed-dp-shutdown"));
      try {
        launcher.start();
      } catch (LaunchException e) {
        throw new CliException(e.getMessage());
      }
      launcher.awaitStopped();
      return 0;
    }

    /** {@code --name} and {@code --mesh}, defaulting to the dataplane file's. */
    private DpIdentity identity() {
      try {
        return DpIdentity.resolve(
            name,
            mesh,
            dataplaneFile,
            !"ingress".equalsIgnoreCase(proxyType),
            System.in,
            new ResourceCodec(StandardTypes.registry()));
      } catch (IllegalArgumentException e) {
        throw usage(e.getMessage());
      }
    }

    private LaunchOptions options(DpIdentity identity) {
      List<URI> cps = new ArrayList<>();
      for (String item : cpAddress) {
        cps.add(cpUrl(item.strip()));
      }
      List<XdsAddress> xds = new ArrayList<>();
      for (String item : xdsAddress == null ? List.<String>of() : xdsAddress) {
        try {
          xds.add(XdsAddress.parse(item));
        } catch (IllegalArgumentException e) {
          throw usage("--xds-address: " + e.getMessage());
        }
      }
      if (adminPort != null && (adminPort < 1 || adminPort > 65535)) {
        throw usage("--admin-port " + adminPort + " is out of range (expected 1-65535)");
      }
      String token = null;
      if (tokenFile != null) {
        try {
          token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
          throw usage("--dataplane-token-file " + tokenFile + " cannot be read: " + e);
        }
        if (token.isEmpty()) {
          throw usage("--dataplane-token-file " + tokenFile + " is empty");
        }
      }
      try {
        return LaunchOptions.builder(
                cps, ProxyType.parse(proxyType), identity.mesh(), identity.name())
            .dataplaneFile(dataplaneFile)
            .envoyBinary(envoyBinary)
            .xdsAddresses(xds)
            .adminPort(adminPort)
            .dataDir(dataDir)
            .envoyLogLevel(envoyLogLevel)
            .dataplaneToken(token)
            .drainTime(drain())
            .build();
      } catch (IllegalArgumentException e) {
        throw usage(e.getMessage());
      }
    }

    /** One {@code --cp-address} item: an http(s) URL with a host. */
    private URI cpUrl(String item) {
      URI cp;
      try {
        cp = URI.create(item);
      } catch (IllegalArgumentException e) {
        throw usage(
            "--cp-address '" + item + "' is not a URL (expected e.g. http://127.0.0.1:5691)");
      }
      if (cp.getScheme() == null || !cp.getScheme().startsWith("http") || cp.getHost() == null) {
        throw usage(
            "--cp-address '"
                + item
                + "' is not an http(s) URL (expected e.g. http://127.0.0.1:5691)");
      }
      return cp;
    }

    /** {@code --drain-time} as a whole number of seconds, at least 1 (Envoy's unit). */
    private Duration drain() {
      Duration d;
      try {
        d = io.meshfed.model.validation.Durations.parse(drainTime);
      } catch (IllegalArgumentException e) {
        throw usage("--drain-time '" + drainTime + "': " + e.getMessage());
      }
      if (d.toSeconds() < 1 || d.toNanos() % 1_000_000_000L != 0) {
        throw usage(
            "--drain-time '"
                + drainTime
                + "' is not a whole number of seconds of at least 1 (expected e.g. 5s; Envoy's"
                + " --drain-time-s takes seconds)");
      }
      return d;
    }

    private CommandLine.ParameterException usage(String message) {
      return new CommandLine.ParameterException(spec.commandLine(), message);
    }
  }
}

package io.meshfed.cli;

import io.meshfed.model.validation.Durations;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meshfed demo-app}: a tiny HTTP backend that says which service, zone and instance it is.
 */
@Command(
    name = "demo-app",
    description = {
      "A tiny HTTP service for demos and tests: answers every request with"
          + " {\"service\":S,\"zone\":Z,\"instance\":I,\"path\":P}; --delay, --status and --rate"
          + " make it slow or failing on purpose. Stops on SIGTERM or Ctrl-C."
    },
    mixinStandardHelpOptions = true)
final class DemoAppCommand implements Callable<Integer> {
  @Option(
      names = "--port",
      required = true,
      paramLabel = "PORT",
      description = "Port to listen on (0: any free port).")
  int port;

  @Option(
      names = "--service",
      required = true,
      paramLabel = "S",
      description = "Service name to report.")
  String service;

  @Option(names = "--zone", required = true, paramLabel = "Z", description = "Zone name to report.")
  String zone;

  @Option(
      names = "--instance",
      required = true,
      paramLabel = "I",
      description = "Instance name to report.")
  String instance;

  @Option(
      names = "--address",
      defaultValue = "127.0.0.1",
      paramLabel = "ADDRESS",
      description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String address;

  @Option(
      names = "--delay",
      defaultValue = "0s",
      paramLabel = "D",
      description = "Wait this long (a Go duration: 500ms, 2s) before every answer.")
  String delay;

  @Option(
      names = "--status",
      defaultValue = "200",
      paramLabel = "CODE",
      description = "Answer this HTTP status instead of 200 to the share --rate of the requests.")
  int status;

  @Option(
      names = "--rate",
      paramLabel = "R",
      description =
          "Share of the requests (0..1, spread evenly: 0.5 is every second one) answered --status;"
              + " 1 when --status is given alone, else 0.")
  Double rate;

  /** The faults the options ask for. */
  DemoApp.Faults faults() {
    Duration d;
    try {
      d = Durations.parse(delay);
    } catch (IllegalArgumentException e) {
      throw new CliException("--delay: " + e.getMessage());
    }
    double share = rate != null ? rate : status != 200 ? 1 : 0;
    try {
      return new DemoApp.Faults(d, status, share);
    } catch (IllegalArgumentException e) {
      throw new CliException("--" + e.getMessage());
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    DemoApp.Faults faults = faults();
    DemoApp app;
    try {
      app = DemoApp.start(address, port, service, zone, instance, faults);
    } catch (IOException e) {
      throw new CliException("cannot listen on " + address + ":" + port + ": " + e.getMessage());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  app.close();
                  stopped.countDown();
                },
                "demo-app-shutdown"));
    System.out.println(
        "demo-app: service "
            + service
            + " (zone "
            + zone
            + ", instance "
            + instance
            + ") listening on http://"
            + address
            + ":"
            + app.port());
    stopped.await();
    return 0;
  }
}

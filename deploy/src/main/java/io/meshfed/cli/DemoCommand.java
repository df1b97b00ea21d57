package io.meshfed.cli;

import io.meshfed.api.settings.SettingsException;
import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.store.memory.MemoryResourceStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meshfed demo}: starts a global control plane in this process, applies the sample policies
 * with the CLI, shows them, shows how bad input is refused, and stops.
 */
@Command(
    name = "demo",
    description = {
      "Start a global control plane on this machine, apply sample policies (a mesh with a builtin"
          + " CA, a TrafficPermission, a TrafficRoute) with the CLI, list them, and stop.",
      "Zones, zone ingresses and cross-zone traffic join the demo as those parts of meshfed land."
    },
    mixinStandardHelpOptions = true)
final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--keep-running",
      description = "Leave the control plane up after the demo and print how to reach it.")
  boolean keepRunning;

  @Option(
      names = "--api-port",
      paramLabel = "PORT",
      defaultValue = "0",
      description = "REST API port of the demo control plane (default: any free port).")
  int apiPort;

  @Override
  public Integer call() throws Exception {
    Path dataDir = Files.createTempDirectory("meshfed-demo-");
    GlobalConfig config;
    try {
      config =
          GlobalConfig.load(
              Map.of(
                  "api-port",
                  String.valueOf(apiPort),
                  "kds-port",
                  "0",
                  "data-dir",
                  dataDir.toString()),
              Map.of(),
              null);
    } catch (SettingsException e) {
      throw new CliException(String.join("; ", e.problems()));
    }
    GlobalControlPlane global =
        new GlobalControlPlane(config, new MemoryResourceStore(), Clock.systemUTC());
    try {
      global.start();
      String api = "http://127.0.0.1:" + global.apiPort();
      Path policies = dataDir.resolve("demo-policies.yaml");
      Files.writeString(policies, sample("samples/demo-policies.yaml"));

      step("1. A global control plane is running; its API is " + api);
      step("2. Apply a Mesh with a builtin CA, a TrafficPermission and a TrafficRoute");
      cli("apply", "-f", policies.toString(), "--api", api);
      step("3. List them");
      cli("get", "meshes", "--api", api);
      System.out.println();
      cli("get", "traffic-permissions", "--api", api);
      System.out.println();
      cli("get", "traffic-routes", "--api", api);
      step("4. Bad input is refused with the field that is wrong, and nothing else is lost");
      Path bad = dataDir.resolve("bad.yaml");
      Files.writeString(
          bad, "type: TrafficRoute\nname: Not_A_Name\nmesh: default\nsources: []\nconf: {}\n");
      cli("apply", "-f", bad.toString(), "--api", api);
      cli("get", "traffic-routes", "--api", api);
      step("5. One resource as YAML, ready to edit and apply again");
      cli("get", "traffic-route", "backend-to-zone-2", "-o", "yaml", "--api", api);

      if (keepRunning) {
        System.out.println();
        System.out.println("The control plane keeps running. Try:");
        System.out.println("  ./meshfed get meshes --api " + api);
        System.out.println("  curl " + api + "/meshes/default/traffic-routes");
        System.out.println("  curl " + api + "/metrics");
        System.out.println("Stop it with Ctrl-C.");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
            .addShutdownHook(
                new Thread(
                    () -> {
                      global.close();
                      stopped.countDown();
                    }));
        stopped.await();
      } else {
        step("Done: the control plane stops now (use --keep-running to leave it up).");
      }
      return 0;
    } finally {
      if (!keepRunning) {
        global.close();
      }
      deleteQuietly(dataDir);
    }
  }

  private static void step(String text) {
    System.out.println();
    System.out.println("== " + text);
  }

  private static void cli(String... args) {
    Main.run(args);
  }

  private static String sample(String resource) throws IOException {
    try (InputStream in = DemoCommand.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("sample " + resource + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory; the OS cleans it eventually
    }
  }
}

package io.meshfed.cli;

import io.meshfed.api.settings.SettingsException;
import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.global.kds.KdsServerOptions;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.zone.ZoneConfig;
import io.meshfed.zone.ZoneControlPlane;
import io.meshfed.zone.kds.KdsClientOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meshfed demo}: a global control plane and two zone control planes in this process,
 * federated over KDS with TLS and zone tokens; policies applied with the CLI on global reach both
 * zones, a dataplane registered in zone-2 shows up on global, and everything stops again.
 */
@Command(
    name = "demo",
    description = {
      "Start a global control plane and two zone control planes (zone-1, zone-2) on this machine,"
          + " federated over KDS (TLS, zone tokens); apply sample policies (a mesh with a builtin"
          + " CA, a TrafficPermission, a TrafficRoute) on global with the CLI, watch them reach the"
          + " zones, register a dataplane in zone-2 and see it on global; then stop.",
      "Zone ingress Envoys and cross-zone traffic join the demo with the data-plane work."
    },
    mixinStandardHelpOptions = true)
final class DemoCommand implements Callable<Integer> {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Option(
      names = "--keep-running",
      description = "Leave the control planes up after the demo and print how to reach them.")
  boolean keepRunning;

  @Option(
      names = "--api-port",
      paramLabel = "PORT",
      defaultValue = "0",
      description = "REST API port of the demo's global control plane (default: any free port).")
  int apiPort;

  private final List<AutoCloseable> running = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    quietLogs();
    Path dataDir = Files.createTempDirectory("meshfed-demo-");
    try {
      GlobalControlPlane global = startGlobal(dataDir);
      String api = "http://127.0.0.1:" + global.apiPort();
      ZoneControlPlane zone1 = startZone(global, dataDir, "zone-1");
      ZoneControlPlane zone2 = startZone(global, dataDir, "zone-2");
      String zone1Api = "http://127.0.0.1:" + zone1.apiPort();
      String zone2Api = "http://127.0.0.1:" + zone2.apiPort();
      Path policies = dataDir.resolve("demo-policies.yaml");
      Files.writeString(policies, sample("samples/demo-policies.yaml"));

      step(
          "1. Global (API "
              + api
              + ") and two zones are running; each zone dialled global over TLS with its token");
      await(() -> zone1.globalConnection().connected() && zone2.globalConnection().connected());
      cli("inspect", "zones", "--api", api);

      step("2. On global: apply a Mesh with a builtin CA, a TrafficPermission and a TrafficRoute");
      cli("apply", "-f", policies.toString(), "--api", api);

      step("3. They reach both zones over KDS: zone-1 lists the route, zone-2 shows its copy");
      await(() -> has(zone1Api, "/meshes/default/traffic-routes/backend-to-zone-2"));
      await(() -> has(zone2Api, "/meshes/default/traffic-routes/backend-to-zone-2"));
      cli("get", "traffic-routes", "--api", zone1Api);
      System.out.println();
      cli("get", "traffic-route", "backend-to-zone-2", "-o", "yaml", "--api", zone2Api);
      step("   and global records which zone acknowledged which version:");
      String sync = "/meshes/default/traffic-routes/backend-to-zone-2/_sync";
      await(() -> body(api, sync).split("\"upToDate\":true", -1).length == 3);
      System.out.println(pretty(body(api, sync)));

      step("4. A dataplane registers in zone-2; global shows it as zone-2.backend-1");
      Path dataplane = dataDir.resolve("dataplane.yaml");
      Files.writeString(dataplane, sample("samples/demo-dataplane.yaml"));
      cli("apply", "-f", dataplane.toString(), "--api", zone2Api);
      await(() -> has(api, "/meshes/default/dataplanes/zone-2.backend-1"));
      cli("get", "dataplanes", "--api", api);

      step("5. Ownership: a zone cannot write global's policies, global cannot write dataplanes");
      cli("apply", "-f", policies.toString(), "--api", zone1Api);
      cli("apply", "-f", dataplane.toString(), "--api", api);

      step("6. Bad input is refused with the field that is wrong, and nothing else is lost");
      Path bad = dataDir.resolve("bad.yaml");
      Files.writeString(
          bad, "type: TrafficRoute\nname: Not_A_Name\nmesh: default\nsources: []\nconf: {}\n");
      cli("apply", "-f", bad.toString(), "--api", api);
      cli("get", "traffic-routes", "--api", api);

      if (keepRunning) {
        System.out.println();
        System.out.println("The control planes keep running. Try:");
        System.out.println("  ./meshfed inspect zones --api " + api);
        System.out.println("  ./meshfed get meshes --api " + zone1Api + "      # zone-1");
        System.out.println("  curl " + api + "/zones+insights");
        System.out.println("  curl " + api + "/metrics | grep kds_");
        System.out.println("Stop them with Ctrl-C.");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
            .addShutdownHook(
                new Thread(
                    () -> {
                      stopAll();
                      stopped.countDown();
                    }));
        stopped.await();
      } else {
        step("Done: the control planes stop now (use --keep-running to leave them up).");
      }
      return 0;
    } finally {
      if (!keepRunning) {
        stopAll();
      }
      deleteQuietly(dataDir);
    }
  }

  private GlobalControlPlane startGlobal(Path dataDir) {
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
                  dataDir.resolve("global").toString()),
              Map.of(),
              null);
    } catch (SettingsException e) {
      throw new CliException(String.join("; ", e.problems()));
    }
    GlobalControlPlane global =
        GlobalControlPlane.secured(
            config, new MemoryResourceStore(), Clock.systemUTC(), KdsServerOptions.defaults());
    running.add(global);
    return global.start();
  }

  private ZoneControlPlane startZone(GlobalControlPlane global, Path dataDir, String zone)
      throws IOException {
    Path token = dataDir.resolve(zone + ".token");
    Files.writeString(token, global.zoneTokenIssuer().issue(zone, Duration.ofHours(1)));
    ZoneConfig config;
    try {
      config =
          ZoneConfig.load(
              Map.of(
                  "zone",
                  zone,
                  "global-address",
                  "grpcs://127.0.0.1:" + global.kdsPort(),
                  "zone-token-file",
                  token.toString(),
                  "ca-file",
                  dataDir.resolve("global").resolve("kds-ca.crt").toString(),
                  "api-port",
                  "0",
                  "xds-port",
                  "0",
                  "data-dir",
                  dataDir.resolve(zone).toString()),
              Map.of(),
              null);
    } catch (SettingsException e) {
      throw new CliException(String.join("; ", e.problems()));
    }
    ZoneControlPlane cp =
        new ZoneControlPlane(
            config,
            new MemoryResourceStore(),
            Clock.systemUTC(),
            KdsClientOptions.defaults()
                .withReconnect(Duration.ofMillis(200), Duration.ofSeconds(2)));
    running.add(cp);
    return cp.start();
  }

  private void stopAll() {
    for (int i = running.size() - 1; i >= 0; i--) {
      try {
        running.get(i).close();
      } catch (Exception e) {
        System.err.println("while stopping: " + e);
      }
    }
    running.clear();
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new CliException("the demo waited " + WAIT.toSeconds() + "s for the federation");
      }
      Thread.sleep(50);
    }
  }

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static String body(String api, String path) {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(api + path)).build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : "";
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  private static String pretty(String json) {
    try {
      var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
      return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(mapper.readTree(json));
    } catch (IOException e) {
      return json;
    }
  }

  private static boolean has(String api, String path) {
    return !body(api, path).isEmpty();
  }

  /** The demo's own output tells the story; control plane logs stay at WARN unless asked. */
  private static void quietLogs() {
    if (System.getenv("MESHFED_LOG_LEVEL") == null
        && org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)
            instanceof ch.qos.logback.classic.Logger root) {
      root.setLevel(ch.qos.logback.classic.Level.WARN);
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

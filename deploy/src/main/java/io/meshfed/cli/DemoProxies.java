package io.meshfed.cli;

import io.meshfed.dp.DataplaneLauncher;
import io.meshfed.dp.LaunchOptions;
import io.meshfed.dp.ProxyType;
import io.meshfed.dp.XdsAddress;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The demos' proxies: their dataplane YAML, their dataplane tokens, their Envoys. */
final class DemoProxies {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** A proxy of the demos: its name, its type and its dataplane YAML. */
  record Proxy(String name, ProxyType type, String yaml) {}

  /**
   * Writes the dataplane file of {@code proxy} in {@code dataDir} and starts its Envoy (its
   * dataplane token asked from the first of {@code apis}) with {@code apis} as its control plane
   * and {@code xds} as its xDS addresses (empty: the one its zone announces), adds it to {@code
   * running}, and prints a line naming it with {@code shownAs}. Envoy's admin listens on {@code
   * adminPort} of 127.0.0.1 (null: a free port).
   */
  static void launchEnvoy(
      Path dataDir,
      String envoyBinary,
      List<AutoCloseable> running,
      List<URI> apis,
      List<XdsAddress> xds,
      Proxy proxy,
      String shownAs,
      Integer adminPort)
      throws Exception {
    Path file = dataDir.resolve(proxy.name() + ".yaml");
    Files.writeString(file, proxy.yaml());
    Path envoyDir = dataDir.resolve("envoy-" + proxy.name());
    Files.createDirectories(envoyDir);
    DataplaneLauncher launcher =
        DataplaneLauncher.create(
            LaunchOptions.builder(apis, proxy.type(), "default", proxy.name())
                .xdsAddresses(xds)
                .dataplaneFile(file.toString())
                .envoyBinary(envoyBinary)
                .dataDir(envoyDir)
                .envoyLogLevel("error")
                .adminPort(adminPort)
                .dataplaneToken(dataplaneToken(apis.get(0).toString(), proxy.name(), proxy.type()))
                .build(),
            InputStream.nullInputStream());
    launcher.start();
    running.add(launcher::stop);
    System.out.println(
        "  "
            + (proxy.type() == ProxyType.INGRESS ? "zone ingress " : "sidecar      ")
            + proxy.name()
            + " -> "
            + shownAs);
  }

  /**
   * The proxy's dataplane token, asked from its zone's API as `meshfed generate dataplane-token`
   * does: zones require one from every proxy (dp-token-required defaults to true).
   */
  static String dataplaneToken(String zoneApi, String name, ProxyType type)
      throws IOException, InterruptedException {
    String body =
        type == ProxyType.INGRESS
            ? "{\"type\": \"ingress\", \"name\": \"" + name + "\", \"validFor\": \"1h\"}"
            : "{\"type\": \"sidecar\", \"mesh\": \"default\", \"name\": \""
                + name
                + "\", \"validFor\": \"1h\"}";
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(zoneApi + "/tokens/dataplane"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new CliException(
          "the zone at "
              + zoneApi
              + " did not issue a dataplane token for "
              + name
              + ": "
              + r.body());
    }
    return r.body().strip();
  }

  static String ingress(String name, String address, int port) {
    return "type: ZoneIngress\nname: "
        + name
        + "\nnetworking:\n  address: "
        + address
        + "\n  port: "
        + port
        + "\n  advertisedAddress: "
        + address
        + "\n  advertisedPort: "
        + port
        + "\n";
  }

  static String sidecar(String name, String service, int port, int servicePort, String outbound)
      throws IOException {
    return "type: Dataplane\nmesh: default\nname: "
        + name
        + "\nnetworking:\n  address: 127.0.0.1\n  inbound:\n  - port: "
        + port
        + "\n    servicePort: "
        + servicePort
        + "\n    tags:\n      kuma.io/service: "
        + service
        + "\n      kuma.io/protocol: http\n"
        + outbound
        // every sidecar is on 127.0.0.1: each serves its stats on a port of its own
        + "metrics:\n  type: prometheus\n  conf:\n    port: "
        + DemoSteps.freePort()
        + "\n";
  }

  private DemoProxies() {}
}

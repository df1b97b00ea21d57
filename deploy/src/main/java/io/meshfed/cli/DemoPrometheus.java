package io.meshfed.cli;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The demo's Prometheus: when {@code prometheus} is on the PATH, {@code meshfed demo
 * --keep-running} starts it on a free loopback port with its own data directory under the demo's
 * working directory. It scrapes the control planes' {@code /metrics} and, when global serves
 * Prometheus HTTP service discovery ({@code mads-port}), every Envoy global lists at {@code
 * /http-sd}, relabelled as Kuma's own scrape job does, so the dashboards in {@code deploy/grafana}
 * work on it. Stopped with the demo.
 */
public final class DemoPrometheus implements AutoCloseable {
  /** Where the Grafana dashboards live in a checkout (and in the release tarball). */
  static final String DASHBOARDS = "deploy/grafana/*.json";

  private final Process process;
  final URI uri;

  private DemoPrometheus(Process process, URI uri) {
    this.process = process;
    this.uri = uri;
  }

  /** The {@code prometheus} executable on {@code path} (the PATH variable), if any. */
  static Optional<Path> find(String path) {
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, "prometheus");
      if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * The configuration: a 5 s scrape of {@code controlPlanes} (host:port of their API) and the HTTP
   * SD job at global's {@code madsPort} with Kuma's relabel rules ({@code __meta_kuma_mesh} to
   * {@code mesh}, {@code __meta_kuma_dataplane} to {@code dataplane}, {@code __meta_kuma_service}
   * to {@code service}, every {@code __meta_kuma_label_<tag>} to {@code <tag>}).
   */
  static String config(List<String> controlPlanes, int madsPort) {
    return config(controlPlanes, madsPort, "5s");
  }

  /**
   * The same configuration with {@code interval} (a Prometheus duration such as {@code 1s}) as the
   * scrape, evaluation and HTTP SD refresh interval: the tests scrape the federation with the
   * demo's own jobs, only faster.
   */
  public static String config(List<String> controlPlanes, int madsPort, String interval) {
    StringBuilder yaml =
        new StringBuilder(
            "global:\n  scrape_interval: %s\n  evaluation_interval: %s\nscrape_configs:\n"
                    .formatted(interval, interval)
                + "- job_name: meshfed-control-planes\n  static_configs:\n  - targets: [");
    yaml.append(String.join(", ", controlPlanes.stream().map(t -> "'" + t + "'").toList()));
    yaml.append("]\n");
    yaml.append(
        """
        - job_name: kuma-dataplanes
          http_sd_configs:
          - url: 'http://127.0.0.1:%d/http-sd'
            refresh_interval: %s
          relabel_configs:
          - source_labels: [__meta_kuma_mesh]
            target_label: mesh
          - source_labels: [__meta_kuma_dataplane]
            target_label: dataplane
          - source_labels: [__meta_kuma_service]
            target_label: service
          - action: labelmap
            regex: __meta_kuma_label_(.+)
        """
            .formatted(madsPort, interval));
    return yaml.toString();
  }

  /**
   * Starts prometheus when it is on the PATH and prints its URL and the Grafana hint on {@code
   * out}; without it, prints how to get it and returns empty.
   */
  static Optional<DemoPrometheus> startIfAvailable(
      Path workDir, List<String> controlPlanes, int madsPort, PrintStream out)
      throws IOException, InterruptedException {
    Optional<Path> binary = find(System.getenv("PATH"));
    if (binary.isEmpty()) {
      out.println(
          "Prometheus: not on the PATH, so the demo starts none (scripts/ensure-deps installs"
              + " Debian's prometheus package). Grafana dashboards: "
              + DASHBOARDS);
      return Optional.empty();
    }
    Path dir = workDir.resolve("prometheus");
    Files.createDirectories(dir);
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, config(controlPlanes, madsPort));
    int port = freePort();
    Process p =
        new ProcessBuilder(
                binary.get().toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    DemoPrometheus prometheus = new DemoPrometheus(p, URI.create("http://127.0.0.1:" + port));
    if (!prometheus.awaitReady(Duration.ofSeconds(30))) {
      prometheus.close();
      out.println("Prometheus did not become ready; its log: " + dir.resolve("prometheus.log"));
      return Optional.empty();
    }
    out.println(
        "Prometheus: "
            + prometheus.uri
            + " (scraping the control planes' /metrics and every Envoy listed by global's"
            + " http://127.0.0.1:"
            + madsPort
            + "/http-sd)");
    out.println(
        "Grafana: add "
            + prometheus.uri
            + " as a Prometheus data source, then import "
            + DASHBOARDS
            + " (Dashboards > New > Import)");
    return Optional.of(prometheus);
  }

  private boolean awaitReady(Duration timeout) throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline && process.isAlive()) {
      try {
        if (http.send(
                    HttpRequest.newBuilder(uri.resolve("/-/ready"))
                        .timeout(Duration.ofSeconds(1))
                        .build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode()
            == 200) {
          return true;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    return false;
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }
}

package io.meshfed.chaos;

import static org.awaitility.Awaitility.await;

import io.meshfed.testing.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code prometheus} process (Debian's package, on the PATH) on a free loopback port, with
 * its own data directory, scraping every second the targets it is given in {@code static_configs}:
 * control planes' {@code /metrics} and sidecars' Prometheus endpoints with the labels Kuma's
 * relabel rules would give them ({@code mesh}, {@code service}, {@code dataplane}, {@code
 * kuma_io_service}, {@code kuma_io_zone}...). Stopped by {@link #close()}.
 */
final class LocalPrometheus implements AutoCloseable {
  /** One scrape job: a name, targets (host:port) and the labels every target gets. */
  record Job(String name, List<String> targets, Map<String, String> labels) {
    Job {
      targets = List.copyOf(targets);
      labels = Map.copyOf(labels);
    }
  }

  private final Process process;
  private final Path log;
  final URI uri;

  private LocalPrometheus(Process process, Path log, URI uri) {
    this.process = process;
    this.log = log;
    this.uri = uri;
  }

  /**
   * Starts prometheus in {@code dir} with {@code jobs} (several jobs may share a name: each becomes
   * one {@code static_configs} entry of that job) and waits until it is ready.
   */
  static LocalPrometheus start(Path dir, List<Job> jobs) {
    int port = FreePorts.one();
    Path config = dir.resolve("prometheus.yml");
    Path log = dir.resolve("prometheus.log");
    try {
      Files.createDirectories(dir);
      Files.writeString(config, config(jobs));
      Process p =
          new ProcessBuilder(
                  "prometheus",
                  "--config.file=" + config,
                  "--storage.tsdb.path=" + dir.resolve("data"),
                  "--web.listen-address=127.0.0.1:" + port,
                  "--log.level=warn")
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      LocalPrometheus prometheus =
          new LocalPrometheus(p, log, URI.create("http://127.0.0.1:" + port));
      prometheus.awaitReady();
      return prometheus;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot start prometheus (is it on the PATH? scripts/ensure-deps installs it)", e);
    }
  }

  /** The configuration: a 1 s scrape interval and one {@code static_configs} entry per job. */
  static String config(List<Job> jobs) {
    StringBuilder yaml =
        new StringBuilder(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
                + "scrape_configs:\n");
    List<String> names = new ArrayList<>();
    jobs.forEach(
        j -> {
          if (!names.contains(j.name())) {
            names.add(j.name());
          }
        });
    for (String name : names) {
      yaml.append("- job_name: '").append(name).append("'\n  static_configs:\n");
      for (Job j : jobs) {
        if (!j.name().equals(name)) {
          continue;
        }
        yaml.append("  - targets: [");
        yaml.append(String.join(", ", j.targets().stream().map(t -> "'" + t + "'").toList()));
        yaml.append("]\n");
        if (!j.labels().isEmpty()) {
          yaml.append("    labels:\n");
          j.labels().entrySet().stream()
              .sorted(Map.Entry.comparingByKey())
              .forEach(
                  e ->
                      yaml.append("      ")
                          .append(e.getKey())
                          .append(": '")
                          .append(e.getValue())
                          .append("'\n"));
        }
      }
    }
    return yaml.toString();
  }

  private void awaitReady() {
    HttpClient http = HttpClient.newHttpClient();
    await("prometheus ready at " + uri + " (log " + log + ")")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new AssertionError("prometheus exited: " + Files.readString(log));
              }
              return http.send(
                          HttpRequest.newBuilder(uri.resolve("/-/ready")).build(),
                          HttpResponse.BodyHandlers.discarding())
                      .statusCode()
                  == 200;
            });
  }

  /** The last lines of prometheus's log, for failure messages. */
  String logTail() {
    try {
      String text = Files.readString(log);
      return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
    } catch (IOException e) {
      return e.toString();
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

package io.meshfed.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Prometheus server for tests (Debian's {@code prometheus} package, installed by {@code
 * scripts/ensure-deps}): a free loopback port, its own temporary directory with the configuration
 * ({@code prometheus.yml}), the TSDB ({@code data/}) and the output ({@code prometheus.log}).
 * {@link #launch} waits for {@code /-/ready}; {@link #close()} kills it and deletes the directory,
 * and a JVM shutdown hook kills it if the test never does.
 *
 * <pre>{@code
 * try (PrometheusProcess prometheus = PrometheusProcess.launch(yaml)) {
 *   prometheus.get("/api/v1/targets");
 * }
 * }</pre>
 */
public final class PrometheusProcess implements AutoCloseable {
  /**
   * System property naming the prometheus binary, when it is neither on the PATH nor in /usr/bin.
   */
  public static final String BINARY_PROPERTY = "meshfed.prometheus.binary";

  private static final Logger log = LoggerFactory.getLogger(PrometheusProcess.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Path dir;
  private final int port;
  private final Process process;
  private final Thread killer;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private PrometheusProcess(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
    this.killer = new Thread(process::destroyForcibly, "prometheus-" + port + "-killer");
    Runtime.getRuntime().addShutdownHook(killer);
  }

  /**
   * Starts Prometheus with {@code configYaml} as its {@code prometheus.yml} and waits until it is
   * ready.
   */
  public static PrometheusProcess launch(String configYaml) {
    Path binary = findBinary();
    Path dir;
    try {
      dir = Files.createTempDirectory("meshfed-prometheus-");
      Files.writeString(dir.resolve("prometheus.yml"), configYaml, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare a directory for prometheus", e);
    }
    int port = FreePorts.one();
    Process process;
    try {
      process =
          new ProcessBuilder(
                  binary.toString(),
                  "--config.file=" + dir.resolve("prometheus.yml"),
                  "--storage.tsdb.path=" + dir.resolve("data"),
                  "--web.listen-address=127.0.0.1:" + port,
                  "--storage.tsdb.retention.time=1h",
                  "--log.level=info")
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("prometheus.log").toFile())
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + binary, e);
    }
    PrometheusProcess prometheus = new PrometheusProcess(dir, port, process);
    try {
      prometheus.awaitReady();
    } catch (RuntimeException e) {
      prometheus.close();
      throw e;
    }
    return prometheus;
  }

  /**
   * The prometheus binary: the {@value #BINARY_PROPERTY} system property, else {@code prometheus}
   * on the PATH, else {@code /usr/bin/prometheus}.
   */
  public static Path findBinary() {
    String configured = System.getProperty(BINARY_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      return Paths.get(configured);
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String entry : path.split(File.pathSeparator)) {
        Path candidate = entry.isEmpty() ? null : Paths.get(entry, "prometheus");
        if (candidate != null && Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    Path usrBin = Paths.get("/usr/bin/prometheus");
    if (Files.isExecutable(usrBin)) {
      return usrBin;
    }
    throw new IllegalStateException(
        "prometheus binary not found on the PATH nor at /usr/bin/prometheus: run"
            + " scripts/ensure-deps (Debian package 'prometheus') or set -D"
            + BINARY_PROPERTY);
  }

  private void awaitReady() {
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "prometheus exited with " + process.exitValue() + ":\n" + output());
      }
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(url() + "/-/ready"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          log.info("prometheus ready at {} ({})", url(), dir);
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for prometheus", e);
      }
      try {
        process.waitFor(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for prometheus", e);
      }
    }
    throw new IllegalStateException(
        "prometheus not ready at " + url() + " after " + START_TIMEOUT + ":\n" + output());
  }

  /** {@code http://127.0.0.1:PORT}. */
  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /** The body of {@code GET url()+pathAndQuery}; fails on a status other than 200. */
  public String get(String pathAndQuery) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(url() + pathAndQuery))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException(
            "GET " + pathAndQuery + " answered " + r.statusCode() + ": " + r.body());
      }
      return r.body();
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + pathAndQuery + " on prometheus failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** The JSON answer of the instant query {@code promql} ({@code /api/v1/query}). */
  public String query(String promql) {
    return get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
  }

  /** What Prometheus printed so far. */
  public String output() {
    try {
      return Files.readString(dir.resolve("prometheus.log"));
    } catch (IOException e) {
      return "(no output: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(killer);
    } catch (IllegalStateException e) {
      // the JVM is shutting down; the hook runs anyway
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log.debug("cannot delete {}: {}", dir, e.toString());
    }
  }
}

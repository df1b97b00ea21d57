package io.meshfed.chaos;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.testing.FreePorts;
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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Zipkin server ({@code io.zipkin:zipkin-server} exec jar, which the chaos-tests build
 * copies into {@code target/zipkin}; system property {@value #JAR_PROPERTY}) as a process on a free
 * loopback port, with in-memory storage and a small heap. It listens on 127.0.0.1 only (Armeria's
 * port is bound to that address) and stops by itself after {@link #MAX_LIFETIME} even if the test
 * JVM dies first ({@code timeout} runs it). {@link #start} returns at once so that the caller can
 * start other processes while Zipkin boots (about 10 s); {@link #awaitHealthy} waits for {@code GET
 * /health}.
 */
final class ZipkinProcess implements AutoCloseable {
  static final String JAR_PROPERTY = "zipkin.jar";
  static final Duration MAX_LIFETIME = Duration.ofMinutes(10);

  private final Process process;
  private final int port;
  private final Path log;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private ZipkinProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts Zipkin, output to {@code log}; does not wait for it. */
  static ZipkinProcess start(Path log) {
    Path jar = Path.of(System.getProperty(JAR_PROPERTY, "target/zipkin/zipkin-server.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar.toAbsolutePath()
              + " is missing: the chaos-tests build copies it (maven-dependency-plugin, execution"
              + " zipkin-server); run the module's build, or set -D"
              + JAR_PROPERTY);
    }
    int port = FreePorts.one();
    List<String> cmd =
        List.of(
            "timeout",
            "--kill-after=5",
            MAX_LIFETIME.toSeconds() + "s",
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx256m",
            "-XX:TieredStopAtLevel=1",
            "-jar",
            jar.toAbsolutePath().toString(),
            "--server.port=" + port,
            "--armeria.ports[0].port=" + port,
            "--armeria.ports[0].ip=127.0.0.1",
            "--armeria.ports[0].protocols[0]=http",
            "--logging.level.root=WARN");
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.environment().put("STORAGE_TYPE", "mem");
      pb.redirectErrorStream(true);
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      return new ZipkinProcess(pb.start(), port, log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + cmd, e);
    }
  }

  /** Waits until {@code GET /health} answers 200; fails with the log if the process ends. */
  ZipkinProcess awaitHealthy(Duration timeout) {
    await("Zipkin healthy at " + baseUrl())
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new AssertionError("Zipkin exited early:\n" + logText());
              }
              try {
                return get("/health").statusCode() == 200;
              } catch (IOException notYet) {
                return false;
              }
            });
    return this;
  }

  String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  /** Where Envoy posts spans (Zipkin's v2 JSON and proto3 collector). */
  String spansUrl() {
    return baseUrl() + "/api/v2/spans";
  }

  /** {@code GET /api/v2/traces?serviceName=S&limit=N}: a list of traces, each a list of spans. */
  JsonNode traces(String serviceName, int limit) throws IOException {
    HttpResponse<String> r =
        get(
            "/api/v2/traces?serviceName="
                + URLEncoder.encode(serviceName, StandardCharsets.UTF_8)
                + "&limit="
                + limit);
    if (r.statusCode() != 200) {
      throw new IOException("GET /api/v2/traces: " + r.statusCode() + " " + r.body());
    }
    return Federation.JSON.readTree(r.body());
  }

  private HttpResponse<String> get(String path) throws IOException {
    try {
      return http.send(
          HttpRequest.newBuilder(URI.create(baseUrl() + path))
              .timeout(Duration.ofSeconds(5))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  String logText() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    children.forEach(ProcessHandle::destroy);
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
    }
    children.forEach(ProcessHandle::destroyForcibly);
  }
}

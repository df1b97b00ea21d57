package io.meshfed.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A real Envoy process for a test: started from a bootstrap with {@code --use-dynamic-base-id} (so
 * several run side by side), its admin API on a free loopback port (whatever the bootstrap says),
 * its output in a log file. {@link #close()} stops it; a JVM shutdown hook kills any left running.
 */
public final class EnvoyProcess implements AutoCloseable {
  private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> RUNNING.forEach(Process::destroyForcibly), "envoy-process-cleanup"));
  }

  private final Process process;
  private final Path dir;
  private final Path log;
  private final Path adminAddressFile;
  private final HttpClient http = HttpClient.newHttpClient();
  private volatile int adminPort;

  private EnvoyProcess(Process process, Path dir) {
    this.process = process;
    this.dir = dir;
    this.log = dir.resolve("envoy.log");
    this.adminAddressFile = dir.resolve("admin-address");
  }

  /** Starts Envoy with the bootstrap in {@code bootstrapFile} (JSON or YAML). */
  public static EnvoyProcess start(Path bootstrapFile) {
    try {
      Path dir = Files.createTempDirectory("envoy-process-");
      Path log = dir.resolve("envoy.log");
      // Merged over the bootstrap: the admin API on loopback, on a port the kernel picks.
      String adminOverride =
          "{\"admin\":{\"address\":{\"socket_address\":"
              + "{\"address\":\"127.0.0.1\",\"port_value\":0}}}}";
      ProcessBuilder pb =
          new ProcessBuilder(
                  List.of(
                      EnvoyBinary.path().toString(),
                      "-c",
                      bootstrapFile.toAbsolutePath().toString(),
                      "--config-yaml",
                      adminOverride,
                      "--admin-address-path",
                      dir.resolve("admin-address").toString(),
                      "--use-dynamic-base-id",
                      "--log-level",
                      "info"))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      Process p = pb.start();
      RUNNING.add(p);
      p.onExit().thenRun(() -> RUNNING.remove(p));
      return new EnvoyProcess(p, dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start Envoy", e);
    }
  }

  /** Starts Envoy with {@code bootstrap}, a JSON (or YAML) text. */
  public static EnvoyProcess startJson(String bootstrap) {
    try {
      Path file = Files.createTempFile("envoy-bootstrap-", ".json");
      Files.writeString(file, bootstrap, StandardCharsets.UTF_8);
      file.toFile().deleteOnExit();
      return start(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the Envoy bootstrap", e);
    }
  }

  /**
   * Waits until the admin API answers {@code GET /ready} with 200 {@code LIVE}; fails with Envoy's
   * log when Envoy exits or the time runs out.
   */
  public EnvoyProcess awaitReady(Duration timeout) {
    try {
      Awaitility.await("Envoy (pid " + process.pid() + ") ready")
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(100))
          .until(this::ready);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "Envoy (pid " + process.pid() + ") not ready within " + timeout + "; log:\n" + logs(), e);
    }
    return this;
  }

  private boolean ready() {
    if (!process.isAlive()) {
      throw new AssertionError(
          "Envoy exited with code "
              + process.exitValue()
              + " before it was ready; log:\n"
              + logs());
    }
    if (adminPort() == 0) {
      return false;
    }
    try {
      HttpResponse<String> r = send("/ready");
      return r.statusCode() == 200 && r.body().strip().equals("LIVE");
    } catch (IOException notYet) {
      return false;
    }
  }

  /**
   * The admin API's port, once Envoy has written it ({@code --admin-address-path}); 0 before that.
   */
  public int adminPort() {
    if (adminPort == 0 && Files.isRegularFile(adminAddressFile)) {
      try {
        String address = Files.readString(adminAddressFile).strip();
        int colon = address.lastIndexOf(':');
        if (colon > 0) {
          adminPort = Integer.parseInt(address.substring(colon + 1));
        }
      } catch (IOException | NumberFormatException notWrittenYet) {
        return 0;
      }
    }
    return adminPort;
  }

  /**
   * {@code GET path} on the admin API (e.g. {@code /config_dump}, {@code /clusters}, {@code
   * /stats?filter=...}); the body of a 200 answer, an {@link AssertionError} otherwise.
   */
  public String adminGet(String path) {
    if (adminPort() == 0) {
      throw new IllegalStateException("Envoy's admin port is not known yet: call awaitReady first");
    }
    try {
      HttpResponse<String> r = send(path);
      if (r.statusCode() != 200) {
        throw new AssertionError(
            "GET " + path + " on Envoy's admin answered " + r.statusCode() + ": " + r.body());
      }
      return r.body();
    } catch (IOException e) {
      throw new AssertionError("GET " + path + " on Envoy's admin failed: " + e, e);
    }
  }

  private HttpResponse<String> send(String pathAndQuery) throws IOException {
    int q = pathAndQuery.indexOf('?');
    String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    String query = q < 0 ? null : pathAndQuery.substring(q + 1);
    try {
      // the multi-argument constructor quotes what a regex filter needs (^, $, |)
      URI uri = new URI("http", null, "127.0.0.1", adminPort, path, query, null);
      return http.send(
          HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + pathAndQuery + "' is not an admin path", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Everything Envoy printed so far. */
  public String logs() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** SIGTERM, then SIGKILL if Envoy is still running after 10 s; waits until it is gone. */
  public void stop() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException("Envoy (pid " + process.pid() + ") survived SIGKILL");
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Stops Envoy and removes its working directory. */
  @Override
  public void close() {
    stop();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // a leftover temp directory is not worth failing a test for
    }
  }
}

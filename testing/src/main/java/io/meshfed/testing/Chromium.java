package io.meshfed.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Headless Chromium driven through {@code chromedriver} (Debian's {@code chromium} and {@code
 * chromium-driver}, installed by {@code scripts/ensure-deps --with-browser}): starts the driver on
 * a free loopback port, opens one {@link WebDriverSession} with its own temporary profile, and
 * stops both (and deletes the profile) on {@link #close()}. Console messages are recorded ({@code
 * goog:loggingPrefs}) so that a test can fail on any error. A missing browser fails the test with
 * the command that installs it; it is never skipped.
 */
public final class Chromium implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final Process driver;
  private final Path profile;
  private final WebDriverSession session;

  private Chromium(Process driver, Path profile, WebDriverSession session) {
    this.driver = driver;
    this.profile = profile;
    this.session = session;
  }

  /** Starts chromedriver and a headless browser with a {@code width}x{@code height} window. */
  public static Chromium start(int width, int height) {
    Path browser = binary("MESHFED_CHROMIUM", "chromium");
    Path driverBinary = binary("MESHFED_CHROMEDRIVER", "chromedriver");
    int port = FreePorts.one();
    Path profile;
    Process driver;
    try {
      profile = Files.createTempDirectory("meshfed-chromium-");
      driver =
          new ProcessBuilder(driverBinary.toString(), "--port=" + port, "--allowed-ips=127.0.0.1")
              .redirectErrorStream(true)
              .redirectOutput(profile.resolve("chromedriver.log").toFile())
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + driverBinary, e);
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    String url = "http://127.0.0.1:" + port;
    try {
      awaitDriver(http, url, driver);
      ObjectMapper json = new ObjectMapper();
      ObjectNode caps = json.createObjectNode();
      caps.put("browserName", "chrome");
      ObjectNode options = caps.putObject("goog:chromeOptions");
      options.put("binary", browser.toString());
      options
          .putArray("args")
          .add("--headless=new")
          .add("--no-sandbox")
          .add("--disable-gpu")
          .add("--disable-dev-shm-usage")
          .add("--no-first-run")
          .add("--disable-extensions")
          .add("--disable-background-networking")
          .add("--user-data-dir=" + profile.resolve("profile"))
          .add("--window-size=" + width + "," + height);
      caps.putObject("goog:loggingPrefs").put("browser", "ALL");
      return new Chromium(driver, profile, WebDriverSession.open(http, url, caps));
    } catch (RuntimeException e) {
      stop(driver);
      deleteTree(profile);
      throw e;
    }
  }

  public WebDriverSession session() {
    return session;
  }

  /** Ends the session, stops the driver and any browser process left, deletes the profile. */
  @Override
  public void close() {
    try {
      session.delete();
    } catch (RuntimeException e) {
      // the driver may be gone already; the processes are stopped below anyway
    }
    stop(driver);
    deleteTree(profile);
  }

  private static void awaitDriver(HttpClient http, String url, Process driver) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!driver.isAlive()) {
        throw new IllegalStateException("chromedriver exited with " + driver.exitValue());
      }
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(url + "/status"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().contains("\"ready\":true")) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for chromedriver", e);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for chromedriver", e);
      }
    }
    throw new IllegalStateException(
        "chromedriver did not answer on " + url + " in " + START_TIMEOUT);
  }

  private static void stop(Process process) {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    children.forEach(ProcessHandle::destroy);
    try {
      if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover temporary profile is harmless
    }
  }

  /** {@code $env}, else {@code name} on the PATH. */
  static Path binary(String env, String name) {
    String fromEnv = System.getenv(env);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Path.of(fromEnv);
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    throw new IllegalStateException(
        name
            + " not found on PATH: run scripts/ensure-deps --with-browser"
            + " (Debian packages chromium and chromium-driver)");
  }
}

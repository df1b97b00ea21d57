package io.meshfed.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the demos ({@code meshfed demo} and {@code demo --ha}) do between their steps: print a step,
 * run a CLI command, apply a sample, wait for a condition, read an API, pick a free port, stop what
 * runs.
 */
final class DemoSteps {
  static final Duration WAIT = Duration.ofSeconds(60);

  static String cell(int count, int total) {
    return count + " (" + String.format(Locale.ROOT, "%.1f", 100.0 * count / total) + "%)";
  }

  static void apply(Path dataDir, String sample, String api) throws IOException {
    Path file = dataDir.resolve(sample);
    Files.writeString(file, sample("samples/" + sample));
    System.out.println("$ meshfed apply -f " + sample);
    System.out.print(
        sample("samples/" + sample)
            .lines()
            .filter(l -> l.startsWith("#"))
            .map(l -> l + "\n")
            .reduce("", String::concat));
    cli("apply", "-f", file.toString(), "--api", api);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Closes what {@code running} holds, the newest first, printing what fails; then empties it. */
  static void closeNewestFirst(List<AutoCloseable> running) {
    for (int i = running.size() - 1; i >= 0; i--) {
      try {
        running.get(i).close();
      } catch (Exception e) {
        System.err.println("while stopping: " + e);
      }
    }
    running.clear();
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new CliException("the demo waited " + WAIT.toSeconds() + "s for " + what);
      }
      Thread.sleep(100);
    }
  }

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  static String body(String api, String path) {
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

  /** The demo's own output tells the story; control plane logs stay at WARN unless asked. */
  static void quietLogs() {
    if (System.getenv("MESHFED_LOG_LEVEL") == null
        && LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)
            instanceof ch.qos.logback.classic.Logger root) {
      root.setLevel(ch.qos.logback.classic.Level.WARN);
    }
  }

  static void step(String text) {
    System.out.println();
    System.out.println("== " + text);
  }

  static void cli(String... args) {
    Main.run(args);
  }

  private static String sample(String resource) throws IOException {
    try (InputStream in = DemoSteps.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("sample " + resource + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static void deleteQuietly(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory; the OS cleans it eventually
    }
  }

  private DemoSteps() {}
}

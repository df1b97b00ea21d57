package io.meshfed.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An application class-data sharing (AppCDS) archive of {@code meshfed.jar}, so that the many JVMs
 * a test run starts map the jar's classes instead of loading and verifying them again: it halves
 * the start-up of a CLI call. It is made once per build of the jar, next to it ({@code
 * meshfed.jar.jsa}), by a training run of {@code meshfed global run} on a memory store that is
 * stopped once ready (the JVM writes the archive as it exits). Only a speed-up: a JVM that cannot
 * use the archive loads its classes from the jar as before, and a failed training run leaves the
 * processes without one.
 */
final class ClassDataArchive {
  private static final Logger log = LoggerFactory.getLogger(ClassDataArchive.class);
  private static final Duration TRAINING_TIMEOUT = Duration.ofSeconds(90);

  /** The archive of the jar the JVM options were decided for, once decided. */
  private static Optional<Path> decided;

  private ClassDataArchive() {}

  /**
   * JVM options that use the archive of {@code jar} (making it first if it is missing or older than
   * the jar), or none when there is no usable archive. CDS warnings are turned off: they would go
   * to the process's stdout, which CLI tests read.
   */
  static synchronized List<String> jvmOptions(Path jar, String java) {
    if (decided == null) {
      decided = archiveOf(jar, java);
    }
    return decided
        .map(a -> List.of("-XX:SharedArchiveFile=" + a, "-Xlog:cds=off", "-Xlog:cds+dynamic=off"))
        .orElse(List.of());
  }

  private static Optional<Path> archiveOf(Path jar, String java) {
    Path archive = jar.resolveSibling(jar.getFileName() + ".jsa");
    try {
      if (Files.isRegularFile(archive)
          && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) >= 0) {
        return Optional.of(archive);
      }
      return train(jar, java, archive);
    } catch (IOException e) {
      log.warn("no class-data archive for {}: {}", jar, e.toString());
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private static Optional<Path> train(Path jar, String java, Path archive)
      throws IOException, InterruptedException {
    Path work = Files.createTempDirectory(jar.getParent(), "cds-training");
    Path partial = work.resolve("partial.jsa");
    List<Integer> ports = FreePorts.several(2);
    List<String> cmd =
        new ArrayList<>(
            List.of(
                java,
                "-XX:ArchiveClassesAtExit=" + partial,
                "-Xlog:cds=off",
                "-Xlog:cds+dynamic=off"));
    cmd.addAll(MeshfedProcess.DEFAULT_JVM_OPTIONS);
    cmd.addAll(
        List.of(
            "-jar",
            jar.toString(),
            "global",
            "run",
            "--store",
            "memory",
            "--api-port",
            String.valueOf(ports.get(0)),
            "--kds-port",
            String.valueOf(ports.get(1)),
            "--data-dir",
            work.resolve("data").toString()));
    Path output = work.resolve("training.log");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    try {
      awaitReady(p, "http://127.0.0.1:" + ports.get(0) + "/ready");
    } catch (ConditionTimeoutException | AssertionError e) {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
      log.warn("no class-data archive: the training run of {} did not get ready ({})", jar, e);
      return Optional.empty();
    }
    p.destroy();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
    if (!Files.isRegularFile(partial)) {
      log.warn("no class-data archive: the training run of {} wrote none (see {})", jar, output);
      return Optional.empty();
    }
    Files.move(
        partial, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    log.info("class-data archive {} made from a training run of {}", archive, jar);
    deleteTree(work);
    return Optional.of(archive);
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static void awaitReady(Process p, String readyUrl) {
    HttpClient http = HttpClient.newHttpClient();
    Awaitility.await("class-data training run ready at " + readyUrl)
        .atMost(TRAINING_TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              if (!p.isAlive()) {
                throw new AssertionError("the training run exited early");
              }
              try {
                return http.send(
                            HttpRequest.newBuilder(URI.create(readyUrl)).build(),
                            HttpResponse.BodyHandlers.discarding())
                        .statusCode()
                    == 200;
              } catch (IOException notYet) {
                return false;
              }
            });
  }
}

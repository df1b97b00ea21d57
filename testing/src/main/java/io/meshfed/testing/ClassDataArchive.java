package io.meshfed.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application class-data sharing (AppCDS) archive of {@code meshfed.jar} for the JVMs tests
 * start, so that they map the jar's classes instead of loading and verifying them again (it halves
 * the CPU a CLI call costs). The deploy module's package phase makes it beside the jar ({@link
 * ClassDataTraining}); when it is missing or older than the jar, it is made here on first use. Only
 * a speed-up: a JVM that cannot use the archive loads its classes from the jar as before.
 */
final class ClassDataArchive {
  private static final Logger log = LoggerFactory.getLogger(ClassDataArchive.class);

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
    return decided.map(ClassDataArchive::options).orElse(List.of());
  }

  /** The options that map {@code archive}, as the launcher does. */
  static List<String> options(Path archive) {
    return ClassDataTraining.mappingOptions(archive);
  }

  private static Optional<Path> archiveOf(Path jar, String java) {
    Path archive = ClassDataTraining.archiveOf(jar);
    try {
      if (Files.isRegularFile(archive)
          && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) >= 0) {
        return Optional.of(archive);
      }
      log.info("no class-data archive beside {} (or older than it): making one", jar);
      return Optional.of(ClassDataTraining.make(jar, java));
    } catch (IOException | RuntimeException e) {
      log.warn("no class-data archive for {}: {}", jar, e.toString());
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}

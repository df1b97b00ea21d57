package io.meshfed.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The background processes a walk notes in {@code pids} files (one PID a line) under a directory:
 * each PID is remembered with its command line when first seen alive, and reported once it has
 * ended. Not thread-safe: one caller polls it.
 */
final class BackgroundPids {
  private final Path dir;
  private final Map<Long, String> seen = new LinkedHashMap<>();

  BackgroundPids(Path dir) {
    this.dir = dir;
  }

  /** "" while every PID noted so far is alive, else the first one that ended and its command. */
  String firstEnded() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir, 2)) {
      files = s.filter(p -> p.getFileName().toString().equals("pids")).toList();
    }
    for (Path file : files) {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (line.isBlank()) {
          continue;
        }
        long pid = Long.parseLong(line.strip());
        Optional<ProcessHandle> h = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (h.isPresent()) {
          seen.putIfAbsent(pid, h.get().info().commandLine().orElse("?"));
        } else {
          return "PID " + pid + " (" + seen.getOrDefault(pid, "never seen alive") + ")";
        }
      }
    }
    return "";
  }
}

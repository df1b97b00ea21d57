package io.meshfed.dp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code tcp} logging backends of a sidecar, as kuma-dp runs them: Envoy's file access logger
 * writes {@code <address>;<line>} to a FIFO; this class creates the FIFO ({@code mkfifo}, owner
 * only), reads it on one thread, and hands each line to the {@link AccessLogSender} of its address
 * (one connection per address, created on first use). Reading never waits for a sender, so Envoy
 * never blocks on a slow or absent backend. A line without {@code ;} is dropped and counted. When
 * Envoy closes the FIFO the reader opens it again.
 */
public final class AccessLogStreamer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AccessLogStreamer.class);

  private final Path fifo;
  private final int capacity;
  private final Map<String, AccessLogSender> senders = new ConcurrentHashMap<>();
  private final Thread reader;
  private volatile boolean closed;
  private volatile long malformed;

  private AccessLogStreamer(Path fifo, int capacity) {
    this.fifo = fifo;
    this.capacity = capacity;
    this.reader = new Thread(this::read, "meshfed-dp-access-log-reader");
    reader.setDaemon(true);
  }

  /**
   * Kuma's FIFO name for a dataplane, {@code kuma-al-<name>-<mesh>} in {@code dir}, cut to 98
   * characters, plus {@code .sock}.
   */
  public static Path socketPath(Path dir, String name, String mesh) {
    String s = dir.resolve("kuma-al-" + name + "-" + mesh).toString();
    return Path.of(s.substring(0, Math.min(s.length(), 98)) + ".sock");
  }

  /** Creates the FIFO at {@code fifo} (replacing a stale file) and starts reading it. */
  public static AccessLogStreamer start(Path fifo) throws IOException {
    return start(fifo, AccessLogSender.DEFAULT_CAPACITY);
  }

  static AccessLogStreamer start(Path fifo, int capacity) throws IOException {
    Files.deleteIfExists(fifo);
    Process p =
        new ProcessBuilder(List.of("mkfifo", "-m", "600", fifo.toString()))
            .redirectErrorStream(true)
            .start();
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IOException(
            "mkfifo "
                + fifo
                + " failed: "
                + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while creating the FIFO " + fifo, e);
    }
    AccessLogStreamer s = new AccessLogStreamer(fifo, capacity);
    s.reader.start();
    log.info("access logs: reading {} for the mesh's tcp logging backends", fifo);
    return s;
  }

  public Path fifo() {
    return fifo;
  }

  /** Lines sent, over all addresses. */
  public long sent() {
    return senders.values().stream().mapToLong(AccessLogSender::sent).sum();
  }

  /** Lines dropped: queues full, or no {@code address;} prefix. */
  public long dropped() {
    return malformed + senders.values().stream().mapToLong(AccessLogSender::dropped).sum();
  }

  private void read() {
    while (!closed) {
      // blocks until a writer (Envoy) opens the FIFO; returns at EOF when it closes it
      try (BufferedReader in =
          new BufferedReader(
              new InputStreamReader(Files.newInputStream(fifo), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          route(line);
        }
      } catch (IOException e) {
        if (closed) {
          return;
        }
        log.warn("access logs: reading {} failed: {}", fifo, e.toString());
        try {
          Thread.sleep(AccessLogSender.MIN_BACKOFF.toMillis());
        } catch (InterruptedException stop) {
          return;
        }
      }
    }
  }

  private void route(String line) {
    int semicolon = line.indexOf(';');
    if (semicolon <= 0) {
      if (malformed++ == 0) {
        log.warn("access logs: a line without 'address;' prefix dropped: {}", line);
      }
      return;
    }
    String address = line.substring(0, semicolon);
    AccessLogSender sender;
    try {
      sender = senders.computeIfAbsent(address, a -> new AccessLogSender(a, capacity));
    } catch (IllegalArgumentException e) {
      if (malformed++ == 0) {
        log.warn("access logs: {}; line dropped", e.getMessage());
      }
      return;
    }
    sender.offer(line.substring(semicolon + 1));
  }

  /** Stops reading and sending, and removes the FIFO. */
  @Override
  public void close() {
    closed = true;
    // a reader waiting for a writer in open() is released by a read-write open, which never blocks
    try (RandomAccessFile unblock = new RandomAccessFile(fifo.toFile(), "rw")) {
      // nothing to write: closing it gives the reader EOF
    } catch (IOException e) {
      log.debug("access logs: {}: {}", fifo, e.toString());
    }
    reader.interrupt();
    senders.values().forEach(AccessLogSender::close);
    try {
      Files.deleteIfExists(fifo);
    } catch (IOException e) {
      log.warn("access logs: cannot remove {}: {}", fifo, e.toString());
    }
  }
}

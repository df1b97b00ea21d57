package io.meshfed.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports of a {@link PortRange} claimed for the life of this JVM, across every JVM of the machine
 * that claims through the same file: a port is claimed by an exclusive lock on byte {@code PORT} of
 * that file (one open file per JVM; the operating system drops the locks when the JVM exits,
 * however it exits), and handed out only if 127.0.0.1 can bind it at that moment. A claimed port is
 * never handed out again, neither here nor in another JVM while this one lives, so a server started
 * on it later (or restarted on it) finds it free unless something outside the claims took it.
 *
 * <p>Confinement: the claims, the channel and the cursor are guarded by this object's monitor.
 */
final class PortClaims {
  private final Path file;
  private final PortRange range;
  private final Map<Integer, FileLock> claimed = new HashMap<>();
  private FileChannel channel;
  private int cursor;

  PortClaims(Path file, PortRange range) {
    this.file = file;
    this.range = range;
    // JVMs that start together begin at different places, so they rarely try the same ports
    this.cursor = ThreadLocalRandom.current().nextInt(range.size());
  }

  /** A port of the range, claimed by no JVM and bindable on 127.0.0.1 a moment ago. */
  synchronized int claim() {
    FileChannel ch = channel();
    for (int tried = 0; tried < range.size(); tried++) {
      int port = range.lowest() + cursor;
      cursor = (cursor + 1) % range.size();
      if (!claimed.containsKey(port) && tryClaim(ch, port)) {
        return port;
      }
    }
    throw new IllegalStateException(
        "no free port in "
            + range.lowest()
            + ".."
            + range.highest()
            + ": this JVM holds "
            + claimed.size()
            + ", the rest are claimed by other JVMs (locks on "
            + file
            + ") or bound");
  }

  /** Ports this JVM holds. */
  synchronized int held() {
    return claimed.size();
  }

  private FileChannel channel() {
    if (channel == null) {
      try {
        Files.createDirectories(file.getParent());
        // never closed: closing it would drop every claim of this JVM
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open the port-claims file " + file, e);
      }
    }
    return channel;
  }

  private boolean tryClaim(FileChannel ch, int port) {
    FileLock lock;
    try {
      lock = ch.tryLock(port, 1, false);
    } catch (IOException | OverlappingFileLockException e) {
      return false; // not ours to take: try the next
    }
    if (lock == null) {
      return false; // another JVM holds it
    }
    if (bindable(port)) {
      claimed.put(port, lock);
      return true;
    }
    try {
      lock.release();
    } catch (IOException ignored) {
      // the byte stays locked until this JVM exits: one port fewer
    }
    return false;
  }

  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}

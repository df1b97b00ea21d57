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
 * that claims from the same directory: a port is claimed by an exclusive lock on the file {@code
 * PORT.lock} in that directory (the operating system drops the lock when the JVM exits, however it
 * exits), and handed out only if 127.0.0.1 can bind it at that moment. A claimed port is never
 * handed out again, neither here nor in another JVM while this one lives, so a server started on it
 * later (or restarted on it) finds it free unless something outside the claims took it.
 *
 * <p>Confinement: the claims and the cursor are guarded by this object's monitor.
 */
final class PortClaims {
  private final Path dir;
  private final PortRange range;
  private final Map<Integer, FileLock> claimed = new HashMap<>();
  private int cursor;

  PortClaims(Path dir, PortRange range) {
    this.dir = dir;
    this.range = range;
    // JVMs that start together begin at different places, so they rarely try the same files
    this.cursor = ThreadLocalRandom.current().nextInt(range.size());
  }

  /** A port of the range, claimed by no JVM and bindable on 127.0.0.1 a moment ago. */
  synchronized int claim() {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the port-claims directory " + dir, e);
    }
    for (int tried = 0; tried < range.size(); tried++) {
      int port = range.lowest() + cursor;
      cursor = (cursor + 1) % range.size();
      if (!claimed.containsKey(port) && tryClaim(port)) {
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
            + ", the rest are claimed by other JVMs (lock files in "
            + dir
            + ") or bound");
  }

  /** Ports this JVM holds. */
  synchronized int held() {
    return claimed.size();
  }

  private boolean tryClaim(int port) {
    Path file = dir.resolve(port + ".lock");
    FileChannel channel = null;
    FileLock lock = null;
    try {
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      lock = channel.tryLock();
      if (lock != null && bindable(port)) {
        claimed.put(port, lock);
        return true;
      }
    } catch (IOException | OverlappingFileLockException e) {
      // another JVM's lock or an unreadable file: the port is not ours, try the next
    }
    release(channel, lock);
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

  private static void release(FileChannel channel, FileLock lock) {
    try {
      if (lock != null) {
        lock.release();
      }
      if (channel != null) {
        channel.close();
      }
    } catch (IOException ignored) {
      // a lock file that cannot be closed stays locked until this JVM exits: one port fewer
    }
  }
}

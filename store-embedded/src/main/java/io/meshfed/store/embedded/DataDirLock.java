package io.meshfed.store.embedded;

import io.meshfed.store.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive OS file lock on a file in a data directory ({@code store.lock} for the embedded
 * store): one process per directory. The operating system releases it when the process dies, so a
 * kill -9 leaves no stale lock. The file holds the owner's pid, for the message a second process
 * gets.
 */
public final class DataDirLock implements AutoCloseable {
  static final String FILE = "store.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  static DataDirLock acquire(Path dataDir) {
    return acquire(dataDir, FILE);
  }

  /**
   * Locks {@code dataDir/fileName}, creating the directory when needed.
   *
   * @throws DataDirInUseException when another process holds the lock (the message names the
   *     directory and, when known, the owner's pid)
   * @throws StoreException when the lock file cannot be opened or locked
   */
  public static DataDirLock acquire(Path dataDir, String fileName) {
    Path file = dataDir.resolve(fileName);
    FileChannel channel;
    try {
      Files.createDirectories(dataDir);
      channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new StoreException(
          "cannot open the lock file " + file + " of the data directory: " + e.getMessage(), e);
    }
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException e) {
      closeQuietly(channel);
      throw new StoreException("cannot lock " + file + ": " + e.getMessage(), e);
    }
    if (lock == null) {
      String owner = readOwner(channel);
      closeQuietly(channel);
      throw new DataDirInUseException(
          "data directory "
              + dataDir.toAbsolutePath()
              + " is in use by another meshfed process"
              + (owner.isEmpty() ? "" : " (pid " + owner + ")")
              + ": "
              + file.toAbsolutePath()
              + " is locked. Stop that process or give this one another --data-dir");
    }
    try {
      // concat, not +: a control plane locks its directory before it answers, and the first
      // concatenation of a shape is linked by generating classes
      byte[] pid =
          Long.toString(ProcessHandle.current().pid())
              .concat("\n")
              .getBytes(StandardCharsets.US_ASCII);
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(pid), 0);
    } catch (IOException e) {
      // the pid is only a hint for the message above; the lock is what matters
    }
    return new DataDirLock(channel, lock);
  }

  private static String readOwner(FileChannel channel) {
    try {
      ByteBuffer buf = ByteBuffer.allocate(32);
      int n = channel.read(buf, 0);
      return n <= 0 ? "" : new String(buf.array(), 0, n, StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      return "";
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing to add to the error being reported
    }
  }

  /** Releases the lock; the file stays (the next owner overwrites the pid). */
  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException ignored) {
      // closing the channel releases it too
    }
    closeQuietly(channel);
  }
}

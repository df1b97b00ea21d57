package io.meshfed.dp;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends access log lines to one TCP address ({@code host:port}) over one connection, as kuma-dp's
 * sender does. {@link #offer} never blocks: lines wait in a bounded queue, and a full queue drops
 * the line (counted, and logged once per run of drops). One thread connects, writes and reconnects
 * with exponential backoff; a line whose write failed is sent again on the next connection. The
 * queue and counters are thread-safe; the socket is touched by the sender thread only.
 */
final class AccessLogSender implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AccessLogSender.class);

  static final int DEFAULT_CAPACITY = 10_000;
  static final Duration MIN_BACKOFF = Duration.ofMillis(100);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
  private static final int CONNECT_TIMEOUT_MILLIS = 2_000;

  private final String address;
  private final String host;
  private final int port;
  private final BlockingQueue<String> queue;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicBoolean dropping = new AtomicBoolean();
  private final Thread thread;
  private volatile boolean closed;

  /**
   * @param address {@code host:port} of the logging backend
   * @throws IllegalArgumentException when {@code address} is not {@code host:port}
   */
  AccessLogSender(String address, int capacity) {
    this.address = address;
    int colon = address.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(
          "access log address '" + address + "' (expected host:port)");
    }
    String h = address.substring(0, colon);
    this.host = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    try {
      this.port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "access log address '" + address + "' (expected host:port)", e);
    }
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.thread = new Thread(this::run, "meshfed-dp-access-log-" + address);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Queues {@code line} (without its newline); false when the queue was full and it was dropped.
   */
  boolean offer(String line) {
    if (queue.offer(line)) {
      if (dropping.compareAndSet(true, false)) {
        log.info("access log {}: queue has room again, {} lines dropped so far", address, dropped);
      }
      return true;
    }
    long n = dropped.incrementAndGet();
    if (dropping.compareAndSet(false, true)) {
      log.warn(
          "access log {}: queue full ({} lines), dropping lines ({} dropped so far)",
          address,
          queue.size(),
          n);
    }
    return false;
  }

  long sent() {
    return sent.get();
  }

  long dropped() {
    return dropped.get();
  }

  private void run() {
    Duration backoff = MIN_BACKOFF;
    String pending = null;
    while (!closed) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
        log.info("access log {}: connected", address);
        backoff = MIN_BACKOFF;
        OutputStream out = socket.getOutputStream();
        while (!closed) {
          if (pending == null) {
            pending = queue.poll(200, TimeUnit.MILLISECONDS);
            if (pending == null) {
              continue;
            }
          }
          out.write((pending + "\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
          pending = null;
          sent.incrementAndGet();
        }
      } catch (IOException e) {
        if (closed) {
          return;
        }
        log.warn(
            "access log {}: {}, reconnecting in {} ms", address, e.toString(), backoff.toMillis());
        try {
          Thread.sleep(backoff.toMillis());
        } catch (InterruptedException stop) {
          return;
        }
        backoff =
            backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0
                ? MAX_BACKOFF
                : backoff.multipliedBy(2);
      } catch (InterruptedException stop) {
        return;
      }
    }
  }

  /** Stops the sender thread; queued lines not yet sent are discarded. */
  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}

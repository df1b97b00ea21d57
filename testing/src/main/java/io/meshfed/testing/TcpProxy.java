package io.meshfed.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback for failure tests: forwards to a target, and can cut every open
 * connection, refuse new ones (a partition), or swallow bytes without closing (a half-open, silent
 * peer).
 */
public final class TcpProxy implements AutoCloseable {
  /** What happens to traffic. */
  public enum Mode {
    FORWARD,
    /** New connections are closed at once. */
    REFUSE,
    /** Connections stay open but no byte goes through, in either direction. */
    BLACKHOLE
  }

  /** Reads this small are not data for {@link #toClientSinceMark}. */
  private static final int SMALL_READ_BYTES = 160;

  private final InetSocketAddress target;
  private final ServerSocket server;
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "tcp-proxy");
            t.setDaemon(true);
            return t;
          });
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Set<Socket> silenced = ConcurrentHashMap.newKeySet();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong toClientSinceMark = new AtomicLong();
  private volatile Mode mode = Mode.FORWARD;
  private volatile boolean closed;

  private TcpProxy(InetSocketAddress target) {
    this.target = target;
    try {
      this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    threads.execute(this::acceptLoop);
  }

  /** A proxy on a free loopback port forwarding to {@code 127.0.0.1:targetPort}. */
  public static TcpProxy to(int targetPort) {
    return new TcpProxy(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Bytes forwarded so far, both directions. */
  public long bytesForwarded() {
    return bytes.get();
  }

  /**
   * Forgets when data last went from the target to the client; {@link #toClientSinceMark} then
   * tells when the next data does.
   */
  public void markToClient() {
    toClientSinceMark.set(0);
  }

  /**
   * The {@link System#nanoTime()} at which the proxy read the first data from the target for the
   * client since {@link #markToClient}, or 0 when none came. Reads of {@value #SMALL_READ_BYTES}
   * bytes or fewer (a heartbeat, a TLS record of a few bytes) do not count.
   */
  public long toClientSinceMark() {
    return toClientSinceMark.get();
  }

  /** Connections accepted so far (refused ones included). */
  public long connectionsAccepted() {
    return accepted.get();
  }

  /**
   * The connections open now go silent for good (bytes are swallowed both ways, nothing is closed),
   * while new connections are forwarded: what a peer sees when a NAT or firewall on the path loses
   * the state of its connections.
   */
  public void silenceOpenConnections() {
    silenced.addAll(open);
  }

  public void mode(Mode newMode) {
    this.mode = newMode;
  }

  /** Closes every open connection (both sides see a reset or EOF). */
  public void cutAll() {
    for (Socket s : open) {
      closeQuietly(s);
    }
    open.clear();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return;
      }
      accepted.incrementAndGet();
      if (mode == Mode.REFUSE) {
        closeQuietly(client);
        continue;
      }
      try {
        Socket upstream = new Socket(target.getAddress(), target.getPort());
        open.add(client);
        open.add(upstream);
        threads.execute(() -> pump(client, upstream, false));
        threads.execute(() -> pump(upstream, client, true));
      } catch (IOException e) {
        closeQuietly(client);
      }
    }
  }

  private void pump(Socket from, Socket to, boolean toClient) {
    byte[] buf = new byte[16 * 1024];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        if (mode == Mode.BLACKHOLE || silenced.contains(from)) {
          continue; // swallow: the peer sees a silent but open connection
        }
        if (toClient && n > SMALL_READ_BYTES) {
          toClientSinceMark.compareAndSet(0, System.nanoTime());
        }
        out.write(buf, 0, n);
        out.flush();
        bytes.addAndGet(n);
      }
    } catch (SocketException e) {
      // cut or closed: normal in these tests
    } catch (IOException e) {
      // same
    } finally {
      closeQuietly(from);
      closeQuietly(to);
      open.remove(from);
      open.remove(to);
      silenced.remove(from);
      silenced.remove(to);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    cutAll();
    threads.shutdownNow();
  }
}

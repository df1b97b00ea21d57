package io.meshfed.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Free TCP ports on the loopback interface, for servers that tests start. */
public final class FreePorts {
  private FreePorts() {}

  /** One port that was free on 127.0.0.1 a moment ago. */
  public static int one() {
    return several(1).get(0);
  }

  /**
   * {@code count} distinct ports that were free on 127.0.0.1 a moment ago. The sockets are held
   * together until all are found, so the ports differ; another process may still take one before
   * the caller binds it, so servers should be ready to retry on "address already in use".
   */
  public static List<Integer> several(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("count must be >= 1, got " + count);
    }
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        ServerSocket s = new ServerSocket();
        sockets.add(s);
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      }
      List<Integer> ports = new ArrayList<>();
      for (ServerSocket s : sockets) {
        ports.add(s.getLocalPort());
      }
      return List.copyOf(ports);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find " + count + " free ports on 127.0.0.1", e);
    } finally {
      for (ServerSocket s : sockets) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing a listening socket that never accepted cannot lose data
        }
      }
    }
  }
}

package io.meshfed.dp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Envoy's admin port on 127.0.0.1: the one the user gave ({@code --admin-port} or the resource's
 * {@code networking.admin.port}), else a free port the launcher picked.
 *
 * <p>A picked port is free only at the moment it is picked: Envoy binds it later, and another
 * process (another launcher picking at the same moment) can take it first, after which Envoy exits
 * with "cannot bind". {@link #again()} is asked before each restart: a picked port another process
 * now holds is replaced by a newly picked one. A given port is never changed.
 *
 * @param port the port
 * @param picked true when the launcher picked it
 */
record AdminPort(int port, boolean picked) {

  /** A port the user gave. */
  static AdminPort given(int port) {
    return new AdminPort(port, false);
  }

  /** A port free on 127.0.0.1 now. */
  static AdminPort pick() {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return new AdminPort(s.getLocalPort(), true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port on 127.0.0.1 for Envoy's admin", e);
    }
  }

  /** This port, or a newly picked one when this one was picked and another process holds it. */
  AdminPort again() {
    return picked && !free(port) ? pick() : this;
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}

package io.meshfed.chaos;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One TCP connection to a loopback port, kept open, carrying HTTP/1.1 requests one after the other
 * (keep-alive). Through a sidecar's TCP outbound this is one connection from the client to its
 * Envoy, one upstream connection to the destination's sidecar, and one to the app: a request that
 * gets an answer proves the whole chain of connections is still open. A closed or reset connection
 * is an {@link IOException}.
 */
final class KeptConnection implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;

  KeptConnection(int port) throws IOException {
    socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout(5_000);
    in = new BufferedInputStream(socket.getInputStream());
  }

  /** The status of one {@code GET path}; an IOException when the connection is closed. */
  int get(String path) throws IOException {
    socket
        .getOutputStream()
        .write(
            ("GET " + path + " HTTP/1.1\r\nHost: backend\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
    String status = line();
    int length = -1;
    for (String h = line(); !h.isEmpty(); h = line()) {
      String lower = h.toLowerCase(Locale.ROOT);
      if (lower.startsWith("content-length:")) {
        length = Integer.parseInt(h.substring(15).strip());
      }
    }
    if (length < 0) {
      throw new IOException("no Content-Length in the answer '" + status + "'");
    }
    in.readNBytes(length);
    String[] parts = status.split(" ");
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP status line: '" + status + "'");
    }
    return Integer.parseInt(parts[1]);
  }

  /** Whether a {@code GET /} on this connection still gets a 200. */
  boolean works() {
    try {
      return get("/") == 200;
    } catch (IOException closed) {
      return false;
    }
  }

  private String line() throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      if (c != '\r') {
        b.append((char) c);
      }
    }
    if (c == -1) {
      throw new EOFException("the connection was closed");
    }
    return b.toString();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}

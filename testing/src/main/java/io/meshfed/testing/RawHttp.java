package io.meshfed.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client whose socket is bound to a chosen source address, so that a test can
 * call the API from {@code 127.0.0.1} (the local machine) or from another loopback address that the
 * server must treat as remote. The JDK's HttpClient cannot choose its source address on Java 17.
 * {@link #sendRaw} sends bytes as they are (no client fixing them up).
 */
public final class RawHttp {
  /** A response: status, headers (lower-case names) and body. */
  public record Response(int status, Map<String, String> headers, String body) {
    /** The value of header {@code name} (any case), or null. */
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final InetAddress source;
  private final InetSocketAddress server;

  public RawHttp(String sourceAddress, InetSocketAddress server) {
    try {
      this.source = InetAddress.getByName(sourceAddress);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.server = server;
  }

  /** Sends one request (a JSON body when {@code jsonBody} is not null) and reads the answer. */
  public Response send(String method, String path, String token, String jsonBody) {
    try (Socket socket = new Socket()) {
      socket.setSoTimeout(10_000);
      socket.bind(new InetSocketAddress(source, 0));
      socket.connect(server, 5_000);
      byte[] body = jsonBody == null ? new byte[0] : jsonBody.getBytes(StandardCharsets.UTF_8);
      StringBuilder head = new StringBuilder();
      head.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
      head.append("Host: ")
          .append(server.getHostString())
          .append(':')
          .append(server.getPort())
          .append("\r\n");
      head.append("Connection: close\r\n");
      if (token != null) {
        head.append("Authorization: Bearer ").append(token).append("\r\n");
      }
      if (jsonBody != null) {
        head.append("Content-Type: application/json\r\n");
      }
      head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      return read(socket.getInputStream(), true);
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path + " from " + source, e);
    }
  }

  /**
   * Sends {@code request} as it is to {@code 127.0.0.1:port} and reads the one answer (complete
   * once its Content-Length is read, so the connection need not close).
   */
  public static Response sendRaw(int port, String request) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return read(socket.getInputStream(), false);
    } catch (IOException e) {
      throw new UncheckedIOException("raw request to port " + port, e);
    }
  }

  /** The answer: read to the end of the stream, or ({@code toEnd} false) until it is complete. */
  private static Response read(InputStream in, boolean toEnd) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    for (int n; (n = in.read(buffer)) > 0; ) {
      all.write(buffer, 0, n);
      Response parsed = toEnd ? null : parse(all.toString(StandardCharsets.UTF_8), false);
      if (parsed != null) {
        return parsed;
      }
    }
    Response parsed = parse(all.toString(StandardCharsets.UTF_8), true);
    if (parsed == null) {
      throw new IOException("no complete HTTP response: " + all.toString(StandardCharsets.UTF_8));
    }
    return parsed;
  }

  /**
   * The answer in {@code text}, or null while incomplete: before the end of the head, or (unless
   * {@code ended}) before Content-Length bytes of body.
   */
  private static Response parse(String text, boolean ended) {
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      return null;
    }
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(
          lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
          lines[i].substring(colon + 1).trim());
    }
    String body = text.substring(end + 4);
    String length = headers.get("content-length");
    if (!ended
        && length != null
        && body.getBytes(StandardCharsets.UTF_8).length < Integer.parseInt(length)) {
      return null;
    }
    if (ended && "chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      body = dechunk(body);
    }
    return new Response(status, headers, body);
  }

  private static String dechunk(String chunked) {
    StringBuilder out = new StringBuilder();
    int pos = 0;
    while (true) {
      int eol = chunked.indexOf("\r\n", pos);
      int size = Integer.parseInt(chunked.substring(pos, eol).trim(), 16);
      if (size == 0) {
        return out.toString();
      }
      out.append(chunked, eol + 2, eol + 2 + size);
      pos = eol + 2 + size + 2;
    }
  }
}

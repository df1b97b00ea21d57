package io.meshfed.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Sends bytes as they are (no client fixing them up) and parses the one answer. */
final class RawHttp {
  record Answer(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    JsonNode json() {
      try {
        return new ObjectMapper().readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }
  }

  private RawHttp() {}

  static Answer send(int port, String request) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return read(socket.getInputStream());
    } catch (IOException e) {
      throw new IllegalStateException("raw request failed: " + e, e);
    }
  }

  private static Answer read(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    int n;
    Answer parsed = null;
    while ((n = in.read(buffer)) > 0) {
      all.write(buffer, 0, n);
      parsed = parse(all.toString(StandardCharsets.UTF_8));
      if (parsed != null) {
        return parsed;
      }
    }
    parsed = parse(all.toString(StandardCharsets.UTF_8));
    if (parsed == null) {
      throw new IOException("incomplete answer: " + all.toString(StandardCharsets.UTF_8));
    }
    return parsed;
  }

  /** The answer once complete (Content-Length known and read), else null. */
  private static Answer parse(String text) {
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      return null;
    }
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new TreeMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(
          lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
          lines[i].substring(colon + 1).trim());
    }
    String body = text.substring(end + 4);
    String length = headers.get("content-length");
    if (length != null && body.getBytes(StandardCharsets.UTF_8).length < Integer.parseInt(length)) {
      return null;
    }
    return new Answer(status, headers, body);
  }
}

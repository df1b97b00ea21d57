package io.meshfed.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sends HTTP requests through a sidecar's outbound listener, each on a new TCP connection (so every
 * request is a fresh load-balancing decision, also for TCP routes), and counts which zone answered
 * (the {@code zone} field of the demo app's JSON) and how many requests failed.
 */
public final class TrafficProbe {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What {@code total} requests gave: answers per zone, and failures. */
  public record Distribution(Map<String, Integer> byZone, int failed, int total) {
    public Distribution {
      byZone = Map.copyOf(byZone);
    }

    public int answered(String zone) {
      return byZone.getOrDefault(zone, 0);
    }

    /** The share of all requests that {@code zone} answered. */
    public double share(String zone) {
      return total == 0 ? 0 : (double) answered(zone) / total;
    }

    public boolean allFailed() {
      return failed == total;
    }
  }

  private final String host;
  private final int port;
  private final Duration timeout;

  public TrafficProbe(String host, int port, Duration timeout) {
    this.host = host;
    this.port = port;
    this.timeout = timeout;
  }

  /** Sends {@code n} requests one after another. */
  public Distribution send(int n) {
    Map<String, Integer> byZone = new TreeMap<>();
    int failed = 0;
    for (int i = 0; i < n; i++) {
      String zone = once();
      if (zone == null) {
        failed++;
      } else {
        byZone.merge(zone, 1, Integer::sum);
      }
    }
    return new Distribution(byZone, failed, n);
  }

  /** One request; the zone that answered, or null when the request failed. */
  public String once() {
    return ask().zone();
  }

  /**
   * One request's outcome: the zone that answered, or null and why the request failed (the status
   * line and body Envoy answered with, or the connection error).
   */
  public record Answer(String zone, String failure) {
    public boolean ok() {
      return zone != null;
    }
  }

  /** One request, and why it failed when it did. */
  public Answer ask() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
      socket.setSoTimeout((int) timeout.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET /probe HTTP/1.1\r\nHost: backend\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String response = readAll(socket.getInputStream());
      int body = response.indexOf("\r\n\r\n");
      if (!response.startsWith("HTTP/1.1 200")) {
        return new Answer(null, failure(response, body));
      }
      JsonNode json = JSON.readTree(response.substring(body + 4));
      String zone = json.path("zone").asText("");
      return zone.isEmpty()
          ? new Answer(null, "no zone in the answer: " + failure(response, body))
          : new Answer(zone, null);
    } catch (IOException | RuntimeException e) {
      return new Answer(null, e.toString());
    }
  }

  private static String failure(String response, int headersEnd) {
    if (response.isEmpty()) {
      return "the connection closed without an answer";
    }
    String status = response.lines().findFirst().orElse("");
    String body = headersEnd < 0 ? "" : response.substring(headersEnd + 4).strip();
    String text = body.isEmpty() ? status : status + ": " + body;
    return text.length() > 300 ? text.substring(0, 300) + "..." : text;
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    byte[] chunk = new byte[4096];
    int n;
    while ((n = in.read(chunk)) != -1) {
      buf.write(chunk, 0, n);
      if (buf.size() > 1 << 20) {
        throw new IOException("response larger than 1 MiB");
      }
    }
    return buf.toString(StandardCharsets.UTF_8);
  }
}

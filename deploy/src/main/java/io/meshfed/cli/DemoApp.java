package io.meshfed.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo's backend service: answers every request with {@code
 * {"service":S,"zone":Z,"instance":I,"path":P}} (HTTP/1.1, JSON, with a Content-Length), so a test
 * or a person can see which instance in which zone served a request. With {@link Faults} it can
 * answer late and answer an error status to a share of the requests.
 */
public final class DemoApp implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor;
  private final String service;
  private final String zone;
  private final String instance;
  private final Faults faults;
  private final AtomicLong requests = new AtomicLong();

  /**
   * What the app does wrong on purpose: waits {@code delay} before every answer, and answers {@code
   * status} instead of 200 to the share {@code rate} (0..1) of the requests, spread evenly: request
   * n (from 1) fails when {@code floor(n * rate) > floor((n - 1) * rate)}, so of any N requests in
   * a row {@code floor(N * rate)} or one more fail; {@code rate} 0.5 fails every second request.
   */
  public record Faults(Duration delay, int status, double rate) {
    public static final Faults NONE = new Faults(Duration.ZERO, 200, 0);

    public Faults {
      Objects.requireNonNull(delay, "delay");
      if (delay.isNegative()) {
        throw new IllegalArgumentException("delay: " + delay + " (expected: 0 or more)");
      }
      if (status < 100 || status > 599) {
        throw new IllegalArgumentException(
            "status: " + status + " (expected: an HTTP status, 100..599)");
      }
      if (!(rate >= 0 && rate <= 1)) {
        throw new IllegalArgumentException("rate: " + rate + " (expected: 0..1)");
      }
    }

    /** Whether request {@code n} (counted from 1) gets {@link #status()} instead of 200. */
    public boolean fails(long n) {
      return Math.floor(n * rate) > Math.floor((n - 1) * rate);
    }
  }

  private DemoApp(
      HttpServer server,
      ExecutorService executor,
      String service,
      String zone,
      String instance,
      Faults faults) {
    this.server = server;
    this.executor = executor;
    this.service = service;
    this.zone = zone;
    this.instance = instance;
    this.faults = faults;
  }

  /**
   * Starts serving on {@code address:port} ({@code port} 0: any free port, see {@link #port()}).
   */
  public static DemoApp start(
      String address, int port, String service, String zone, String instance) throws IOException {
    return start(address, port, service, zone, instance, Faults.NONE);
  }

  /** Like {@link #start(String, int, String, String, String)}, with faults. */
  public static DemoApp start(
      String address, int port, String service, String zone, String instance, Faults faults)
      throws IOException {
    Objects.requireNonNull(faults, "faults");
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(instance, "instance");
    HttpServer server = HttpServer.create(new InetSocketAddress(address, port), 0);
    ExecutorService executor =
        Executors.newFixedThreadPool(
            4,
            r -> {
              Thread t = new Thread(r, "demo-app-" + service);
              t.setDaemon(true);
              return t;
            });
    DemoApp app = new DemoApp(server, executor, service, zone, instance, faults);
    server.createContext("/", app::handle);
    server.setExecutor(executor);
    server.start();
    return app;
  }

  /** The port it listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** The body it answers a request for {@code path} with. */
  public String answer(String path) {
    ObjectNode body = JSON.createObjectNode();
    body.put("service", service);
    body.put("zone", zone);
    body.put("instance", instance);
    body.put("path", path);
    return body.toString();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      try (InputStream in = exchange.getRequestBody()) {
        in.transferTo(OutputStream.nullOutputStream());
      }
      long n = requests.incrementAndGet();
      if (!faults.delay().isZero()) {
        try {
          Thread.sleep(faults.delay().toMillis());
        } catch (InterruptedException stopping) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      int status = faults.fails(n) ? faults.status() : 200;
      byte[] body =
          answer(exchange.getRequestURI().getRawPath())
              .getBytes(java.nio.charset.StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      if (exchange.getRequestMethod().equals("HEAD")) {
        exchange.getResponseHeaders().set("Content-Length", String.valueOf(body.length));
        exchange.sendResponseHeaders(status, -1);
        return;
      }
      exchange.sendResponseHeaders(status, body.length);
      exchange.getResponseBody().write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}

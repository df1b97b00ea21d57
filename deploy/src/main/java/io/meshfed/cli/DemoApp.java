package io.meshfed.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The demo's backend service: answers every request with {@code
 * {"service":S,"zone":Z,"instance":I,"path":P}} (HTTP/1.1, JSON, with a Content-Length), so a test
 * or a person can see which instance in which zone served a request.
 */
public final class DemoApp implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor;
  private final String service;
  private final String zone;
  private final String instance;

  private DemoApp(
      HttpServer server, ExecutorService executor, String service, String zone, String instance) {
    this.server = server;
    this.executor = executor;
    this.service = service;
    this.zone = zone;
    this.instance = instance;
  }

  /**
   * Starts serving on {@code address:port} ({@code port} 0: any free port, see {@link #port()}).
   */
  public static DemoApp start(
      String address, int port, String service, String zone, String instance) throws IOException {
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
    DemoApp app = new DemoApp(server, executor, service, zone, instance);
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
      byte[] body =
          answer(exchange.getRequestURI().getRawPath())
              .getBytes(java.nio.charset.StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      if (exchange.getRequestMethod().equals("HEAD")) {
        exchange.getResponseHeaders().set("Content-Length", String.valueOf(body.length));
        exchange.sendResponseHeaders(200, -1);
        return;
      }
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}

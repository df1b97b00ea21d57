package io.meshfed.dp;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A stand-in for the zone REST API: answers what the test sets up and records every request. */
final class FakeApi implements AutoCloseable {
  record Request(String method, String path, String contentType, String body) {}

  record Answer(int status, String body) {}

  private final HttpServer server;
  private final List<Request> requests = new ArrayList<>();
  private final Map<String, Answer> answers = new HashMap<>();

  FakeApi() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          String method = exchange.getRequestMethod();
          String path = exchange.getRequestURI().getPath();
          Answer answer;
          synchronized (this) {
            requests.add(
                new Request(
                    method, path, exchange.getRequestHeaders().getFirst("Content-Type"), body));
            answer = answers.getOrDefault(method + " " + path, new Answer(404, "{}"));
          }
          byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
          if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
          }
          exchange.close();
        });
    server.start();
  }

  synchronized FakeApi answer(String methodAndPath, int status, String body) {
    answers.put(methodAndPath, new Answer(status, body));
    return this;
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  synchronized List<Request> requests() {
    return List.copyOf(requests);
  }

  synchronized List<String> calls() {
    return requests.stream().map(r -> r.method() + " " + r.path()).toList();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}

package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReplicaHopTest {
  /**
   * A control plane makes its hops at start; their client (whose making builds the JDK's default
   * SSLContext) is made on the first GET, once.
   */
  @Test
  void theClientIsMadeOnTheFirstGetOnly() throws Exception {
    AtomicInteger made = new AtomicInteger();
    ReplicaHop hop =
        new ReplicaHop(
            () -> {
              made.incrementAndGet();
              return HttpClient.newHttpClient();
            },
            Duration.ofSeconds(5));
    assertThat(made).hasValue(0);

    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        x -> {
          byte[] body =
              String.valueOf(x.getRequestHeaders().getFirst(ReplicaHop.FORWARDED_BY))
                  .getBytes(StandardCharsets.UTF_8);
          x.sendResponseHeaders(200, body.length);
          x.getResponseBody().write(body);
          x.close();
        });
    server.start();
    try {
      String api = "http://127.0.0.1:" + server.getAddress().getPort();
      for (int i = 0; i < 2; i++) {
        ApiResponse r =
            hop.get(api, "/zones/z-1/xds", Map.<String, List<String>>of(), "g-1", Optional.empty());
        assertThat(r.status()).isEqualTo(200);
      }
    } finally {
      server.stop(0);
    }
    assertThat(made).hasValue(1);
  }
}

package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.dataplane;
import static io.meshfed.xds.sidecar.Fixtures.inbound;
import static io.meshfed.xds.sidecar.Fixtures.mesh;
import static io.meshfed.xds.sidecar.Fixtures.selectors;
import static io.meshfed.xds.sidecar.Fixtures.svc;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.RetrySpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.TimeoutSpec;
import io.meshfed.testing.EnvoyProcess;
import io.meshfed.testing.FreePorts;
import io.meshfed.xds.EnvoyJson;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.ProxyConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP parts of Timeout and Retry do what they say in a real Envoy. The generated config of a
 * sidecar {@code web} (mTLS off, EDS made static) runs in Envoy; its outbound to {@code backend}
 * ({@code kuma.io/protocol: http}) reaches a local HTTP server that delays every answer, or answers
 * 503 to every second request. Requests go one after the other, a bounded number, on loopback.
 */
class HttpPolicyTrafficIT {
  private static final Logger LOG = LoggerFactory.getLogger(HttpPolicyTrafficIT.class);
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int REQUESTS = 200;

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private Backend backend;
  private int outboundPort;
  private EnvoyProcess envoy;

  @BeforeEach
  void ports() {
    outboundPort = FreePorts.one();
  }

  @AfterEach
  void stop() {
    if (envoy != null) {
      envoy.close();
    }
    if (backend != null) {
      backend.close();
    }
  }

  @Test
  void requestTimeoutAnswers504AfterHalfASecondOnABackendThatTakesTwo() throws Exception {
    backend = new Backend(Duration.ofSeconds(2), 0);
    start(StandardTypes.TIMEOUT, timeout("500ms"));

    for (int i = 0; i < 3; i++) {
      long start = System.nanoTime();
      HttpResponse<String> r = get();
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      LOG.info(
          "requestTimeout 500ms, backend delay 2s: {} after {} ms",
          r.statusCode(),
          took.toMillis());
      assertThat(r.statusCode()).isEqualTo(504);
      assertThat(took).isBetween(Duration.ofMillis(450), Duration.ofMillis(1200));
    }
  }

  @Test
  void aLongerRequestTimeoutLetsTheSlowAnswerThrough() throws Exception {
    backend = new Backend(Duration.ofSeconds(2), 0);
    start(StandardTypes.TIMEOUT, timeout("5s"));

    long start = System.nanoTime();
    HttpResponse<String> r = get();
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(1900));
  }

  @Test
  void threeRetriesTurnABackendFailingHalfTheRequestsIntoSuccess() throws Exception {
    backend = new Backend(Duration.ZERO, 2);
    start(
        StandardTypes.RETRY,
        new RetrySpec(
            selectors(List.of(svc("web"))),
            selectors(List.of(svc("backend"))),
            new RetrySpec.Conf(
                new RetrySpec.Http(
                    3,
                    "1s",
                    new RetrySpec.BackOff("5ms", "20ms"),
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of()),
                null,
                null)));

    int ok = successes(REQUESTS);
    LOG.info(
        "Retry numRetries 3, backend failing 1 in 2: {} of {} succeeded, backend saw {} requests",
        ok,
        REQUESTS,
        backend.requests());
    assertThat(ok).isGreaterThanOrEqualTo(REQUESTS * 95 / 100);
    assertThat(backend.requests()).as("the failed attempts were retried").isGreaterThan(REQUESTS);
  }

  @Test
  void withoutARetryPolicyHalfTheRequestsFail() throws Exception {
    backend = new Backend(Duration.ZERO, 2);
    start(StandardTypes.TIMEOUT, timeout("5s"));

    int ok = successes(REQUESTS);
    LOG.info("no Retry, backend failing 1 in 2: {} of {} succeeded", ok, REQUESTS);
    assertThat(ok).isBetween(REQUESTS * 45 / 100, REQUESTS * 55 / 100);
  }

  // --- the sidecar under test ---

  private static TimeoutSpec timeout(String requestTimeout) {
    return new TimeoutSpec(
        selectors(List.of(svc("web"))),
        selectors(List.of(svc("backend"))),
        new TimeoutSpec.Conf(
            null, null, new TimeoutSpec.Http(requestTimeout, null, null, null), null));
  }

  private void start(String type, io.meshfed.model.Spec policy) throws Exception {
    Resource web =
        dataplane(
            "web-1",
            "127.0.0.1",
            List.of(inbound(FreePorts.one(), 18080, svc("web", Tags.PROTOCOL, "http"))),
            List.of(DataplaneSpec.Outbound.of(outboundPort, "backend")));
    Resource backendDp =
        dataplane(
            "backend-1",
            "127.0.0.1",
            List.of(inbound(backend.port(), backend.port(), svc("backend", Tags.PROTOCOL, "http"))),
            List.of());
    MeshState state =
        new MeshState(
            Fixtures.ZONE,
            mesh(false),
            List.of(web, backendDp),
            List.of(),
            List.of(),
            List.of(),
            Map.of(type, List.of(Fixtures.policy(type, "web-to-backend", null, policy))));
    ProxyConfig config = SidecarGenerator.generate(state, web, Optional.empty());
    envoy =
        EnvoyProcess.startJson(
                EnvoyJson.print(SidecarEnvoyValidationTest.validationBootstrap(config)))
            .awaitReady(WAIT);
  }

  private HttpResponse<String> get() throws IOException, InterruptedException {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + outboundPort + "/items"))
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private int successes(int count) throws IOException, InterruptedException {
    int ok = 0;
    for (int i = 0; i < count; i++) {
      if (get().statusCode() == 200) {
        ok++;
      }
    }
    return ok;
  }

  /**
   * An HTTP/1.1 server on a loopback port: waits {@code delay} before each answer; with {@code
   * failEvery} k > 0 answers 503 to every k-th request (the 1st, the (k+1)-th, ...), 200 otherwise.
   */
  private static final class Backend implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(4);
    private final AtomicLong requests = new AtomicLong();
    private final Duration delay;
    private final int failEvery;

    Backend(Duration delay, int failEvery) throws IOException {
      this.delay = delay;
      this.failEvery = failEvery;
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
      server.createContext("/", this::handle);
      server.setExecutor(threads);
      server.start();
    }

    int port() {
      return server.getAddress().getPort();
    }

    long requests() {
      return requests.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
      try (exchange) {
        exchange.getRequestBody().readAllBytes();
        long n = requests.getAndIncrement();
        if (!delay.isZero()) {
          try {
            Thread.sleep(delay.toMillis());
          } catch (InterruptedException stopped) {
            Thread.currentThread().interrupt();
            return;
          }
        }
        int status = failEvery > 0 && n % failEvery == 0 ? 503 : 200;
        byte[] body = (status == 200 ? "ok\n" : "unavailable\n").getBytes();
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
      }
    }

    @Override
    public void close() {
      server.stop(0);
      threads.shutdownNow();
    }
  }
}

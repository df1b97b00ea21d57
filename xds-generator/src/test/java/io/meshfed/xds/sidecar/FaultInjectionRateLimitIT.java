package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.dataplane;
import static io.meshfed.xds.sidecar.Fixtures.inbound;
import static io.meshfed.xds.sidecar.Fixtures.mesh;
import static io.meshfed.xds.sidecar.Fixtures.permission;
import static io.meshfed.xds.sidecar.Fixtures.selectors;
import static io.meshfed.xds.sidecar.Fixtures.svc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.FaultInjectionSpec;
import io.meshfed.model.spec.RateLimitSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.testing.EnvoyProcess;
import io.meshfed.testing.FreePorts;
import io.meshfed.xds.Identity;
import io.meshfed.xds.MeshState;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FaultInjection and RateLimit in real Envoys. Three sidecars in an mTLS mesh get the generated
 * config over ADS, as from a zone: {@code backend} (HTTP inbound in front of a plain HTTP app),
 * {@code web} (outbounds to backend and to other) and {@code other} (HTTP inbound, outbound to
 * backend). The policies name web as their source, so the faults and limits show on web's requests
 * to backend and not on other's: the {@code x-kuma-tags} header set by each sender's sidecar is
 * what backend's sidecar matches.
 */
class FaultInjectionRateLimitIT {
  private static final String MESH = Fixtures.MESH;
  private static final Duration ENVOY_START = Duration.ofSeconds(60);

  @TempDir Path tmp;

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final List<EnvoyProcess> envoys = new ArrayList<>();
  private HttpServer app;
  private SidecarAds ads;
  private int webToBackend;
  private int webToOther;
  private int otherToBackend;
  private int backendInbound;

  @BeforeEach
  void start() throws IOException {
    app = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    app.createContext(
        "/",
        exchange -> {
          byte[] body = "app".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    app.start();
    ads = new SidecarAds();
  }

  @AfterEach
  void stop() throws Exception {
    for (EnvoyProcess e : envoys) {
      e.close();
    }
    if (ads != null) {
      ads.close();
    }
    if (app != null) {
      app.stop(0);
    }
  }

  @Test
  void abortsAboutThirtyPercentOfWebsRequestsAndNoneOfOthers() throws Exception {
    Resource fault =
        Fixtures.policy(
            StandardTypes.FAULT_INJECTION,
            "web-to-backend",
            null,
            new FaultInjectionSpec(
                selectors(List.of(svc("web"))),
                selectors(List.of(svc("backend", Tags.PROTOCOL, "http"))),
                new FaultInjectionSpec.Conf(null, new FaultInjectionSpec.Abort(30.0, 503), null)));
    startSidecars(Map.of(StandardTypes.FAULT_INJECTION, List.of(fault)));
    EnvoyProcess backend = envoys.get(0);
    try {
      int n = 300;
      int aborted = 0;
      for (int i = 0; i < n; i++) {
        HttpResponse<String> r = get(webToBackend);
        if (r.statusCode() == 503) {
          assertThat(r.body()).isEqualTo("fault filter abort");
          aborted++;
        } else {
          assertThat(r.statusCode()).as("answer %d from web: %s", i, r.body()).isEqualTo(200);
        }
      }
      double share = aborted / (double) n;
      System.out.printf(
          "FaultInjectionRateLimitIT: abort 30%% -> %d of %d web requests aborted (%.3f)%n",
          aborted, n, share);
      // Binomial(300, 0.3): mean 90, sd 7.9; 0.22..0.38 is about 3 sd each side.
      assertThat(share).isBetween(0.22, 0.38);
      assertThat(
              stat(
                  backend,
                  "http.localhost_" + app.getAddress().getPort() + ".fault.aborts_injected"))
          .as("backend's sidecar injected them")
          .isEqualTo(aborted);

      for (int i = 0; i < 100; i++) {
        assertThat(get(otherToBackend).statusCode()).as("other's request %d", i).isEqualTo(200);
      }
    } catch (Exception | AssertionError e) {
      dumpLogs();
      throw e;
    }
  }

  @Test
  void answers429BeyondFiveRequestsPerSecondFromWebAndNotToOther() throws Exception {
    Resource limit =
        Fixtures.policy(
            StandardTypes.RATE_LIMIT,
            "web-to-backend",
            null,
            new RateLimitSpec(
                selectors(List.of(svc("web"))),
                selectors(List.of(svc("backend"))),
                new RateLimitSpec.Conf(
                    new RateLimitSpec.Http(
                        5,
                        "1s",
                        new RateLimitSpec.OnRateLimit(
                            null,
                            List.of(
                                new RateLimitSpec.Header("x-kuma-rate-limited", "true", null)))))));
    // web has sent nothing to backend yet (readiness is checked over other paths): its bucket is
    // full, 5 tokens, refilled to 5 every second.
    startSidecars(Map.of(StandardTypes.RATE_LIMIT, List.of(limit)));
    try {
      int n = 30;
      int ok = 0;
      int limited = 0;
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        HttpResponse<String> r = get(webToBackend);
        if (r.statusCode() == 429) {
          assertThat(r.headers().firstValue("x-kuma-rate-limited")).contains("true");
          limited++;
        } else {
          assertThat(r.statusCode()).as("answer %d from web: %s", i, r.body()).isEqualTo(200);
          ok++;
        }
      }
      long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
      System.out.printf(
          "FaultInjectionRateLimitIT: 5 per 1s -> %d of %d web requests passed in %d ms, %d"
              + " limited%n",
          ok, n, elapsedMillis, limited);
      // 5 tokens at the start, then at most 5 more per started second of the burst (Envoy
      // refills the bucket in steps or continuously, by version; never faster).
      long refills = elapsedMillis / 1000 + 1;
      assertThat(ok).isBetween(5, (int) (5 + 5 * refills));
      assertThat(limited).isEqualTo(n - ok);
      assertThat(limited).isPositive();

      for (int i = 0; i < n; i++) {
        assertThat(get(otherToBackend).statusCode()).as("other's request %d", i).isEqualTo(200);
      }
    } catch (Exception | AssertionError e) {
      dumpLogs();
      throw e;
    }
  }

  /**
   * Publishes the three sidecars' config with {@code policies}, starts them, and waits until other
   * reaches backend and web reaches other (an Envoy opens its listeners only once every cluster has
   * its endpoints, so web's outbound to backend is ready too) without sending web's traffic to
   * backend.
   */
  private void startSidecars(Map<String, List<Resource>> policies) throws Exception {
    List<Integer> ports = FreePorts.several(6);
    webToBackend = ports.get(0);
    webToOther = ports.get(1);
    otherToBackend = ports.get(2);
    backendInbound = ports.get(3);
    int webInbound = ports.get(4);
    int otherInbound = ports.get(5);
    int appPort = app.getAddress().getPort();
    Map<String, String> http = Map.of(Tags.PROTOCOL, "http");
    Resource backend =
        dataplane(
            "backend-1",
            "127.0.0.1",
            List.of(inbound(backendInbound, appPort, with(svc("backend"), http))),
            List.of());
    Resource web =
        dataplane(
            "web-1",
            "127.0.0.1",
            List.of(inbound(webInbound, webInbound, svc("web"))),
            List.of(
                DataplaneSpec.Outbound.of(webToBackend, "backend"),
                DataplaneSpec.Outbound.of(webToOther, "other")));
    Resource other =
        dataplane(
            "other-1",
            "127.0.0.1",
            List.of(inbound(otherInbound, appPort, with(svc("other"), http))),
            List.of(DataplaneSpec.Outbound.of(otherToBackend, "backend")));
    MeshState state =
        new MeshState(
            Fixtures.ZONE,
            mesh(true),
            List.of(backend, web, other),
            List.of(),
            List.of(permission("allow-all", List.of(svc("*")), List.of(svc("*")))),
            List.of(),
            policies);
    TestCerts.Ca ca = TestCerts.ca(MESH);
    for (Resource dp : List.of(backend, web, other)) {
      String service = dp.name().substring(0, dp.name().indexOf('-'));
      Identity id = ca.issue(service);
      ads.set(dp.name(), SidecarGenerator.generate(state, dp, Optional.of(id)));
      envoys.add(EnvoyProcess.start(ads.bootstrap(tmp, dp.name())));
    }
    for (EnvoyProcess e : envoys) {
      e.awaitReady(ENVOY_START);
    }
    try {
      for (int port : List.of(otherToBackend, webToOther)) {
        await("the sidecars answer on " + port)
            .atMost(ENVOY_START)
            .pollInterval(Duration.ofMillis(200))
            .ignoreExceptions()
            .until(() -> get(port).statusCode() == 200);
      }
    } catch (RuntimeException | AssertionError e) {
      dumpLogs();
      throw e;
    }
  }

  private static Map<String, String> with(Map<String, String> a, Map<String, String> b) {
    Map<String, String> m = new java.util.TreeMap<>(a);
    m.putAll(b);
    return m;
  }

  private HttpResponse<String> get(int port) throws IOException, InterruptedException {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static long stat(EnvoyProcess envoy, String name) {
    for (String line : envoy.adminGet("/stats?filter=" + name).split("\n")) {
      if (line.startsWith(name + ":")) {
        return Long.parseLong(line.substring(name.length() + 1).strip());
      }
    }
    throw new AssertionError("no stat " + name);
  }

  private void dumpLogs() {
    for (EnvoyProcess e : envoys) {
      System.err.println("---- envoy\n" + e.logs());
    }
  }
}

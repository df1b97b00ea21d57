package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.testing.FreePorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Timeout and Retry written on global change what HTTP requests get, every part a process: a
 * global, a zone, two demo apps behind their sidecars (inbounds tagged {@code kuma.io/protocol:
 * http}), {@code slow} answering after 2 s ({@code --delay 2s}) and {@code flaky} answering 503 to
 * every second request ({@code --status 503 --rate 0.5}), and a {@code web} sidecar with an
 * outbound to each, in an mTLS mesh with its default policies. A Timeout {@code requestTimeout:
 * 500ms} from web to slow turns the 200 after 2 s into a 504 after 0.5 s; a Retry {@code
 * numRetries: 0} from web to flaky lets every second request fail, {@code numRetries: 3} lets
 * (nearly) all through. Each phase waits until web's Envoy shows the policy in its config dump,
 * then sends a bounded number of requests one after the other, and prints what it measured.
 */
class HttpPolicyFederationIT {
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final int REQUESTS = 200;

  @TempDir Path dir;
  private Federation f;
  @RegisterExtension final LogsOnFailure logs = new LogsOnFailure(() -> f);
  private final Proxies processes = new Proxies();
  private HttpClient client = newClient();

  @AfterEach
  void stop() throws Exception {
    processes.close();
    if (f != null) {
      f.close();
    }
  }

  @Test
  void timeoutAndRetryFromGlobalChangeWhatRequestsGet() throws Exception {
    f = new Federation(dir).startGlobal();
    Federation.Node zone = f.startZone("zone-1");
    f.apply(f.global.api, "/meshes/default", MeshYaml.MESH_MTLS_ON);
    await()
        .atMost(CONVERGE)
        .until(() -> f.get(zone.api, "/meshes/default/retries/retry-all-default") != null);

    backend(zone, "slow", "--delay", "2s");
    backend(zone, "flaky", "--status", "503", "--rate", "0.5");
    int slowOut = FreePorts.one();
    int flakyOut = FreePorts.one();
    int webAdmin = FreePorts.one();
    processes.sidecar(
        f,
        zone,
        MeshYaml.sidecar("web-1")
            .inbound(FreePorts.one(), FreePorts.one(), "web")
            .outbound(slowOut, "slow")
            .outbound(flakyOut, "flaky")
            .admin(webAdmin));
    await("web reaches slow and flaky over HTTP")
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(() -> get(slowOut).statusCode() == 200 && get(flakyOut).statusCode() == 200);

    // Timeout: the default timeout-all (15 s) lets the slow answer through; 500 ms does not.
    f.apply(
        f.global.api,
        "/meshes/default/timeouts/web-to-slow",
        policy("Timeout", "web-to-slow", "slow", "conf: {http: {requestTimeout: 500ms}}"));
    awaitConfig(webAdmin, "\"timeout\": \"0.500s\"");
    for (int i = 0; i < 3; i++) {
      long start = System.nanoTime();
      int status = get(slowOut).statusCode();
      long ms = (System.nanoTime() - start) / 1_000_000;
      System.out.printf(
          "HttpPolicyFederationIT: requestTimeout 500ms, app delay 2s -> %d in %d ms%n",
          status, ms);
      assertThat(status).isEqualTo(504);
      assertThat(ms).isBetween(450L, 1500L);
    }

    // Retry: none, then 3.
    f.apply(
        f.global.api,
        "/meshes/default/retries/web-to-flaky",
        policy("Retry", "web-to-flaky", "flaky", "conf: {http: {numRetries: 0}}"));
    awaitConfig(webAdmin, "\"num_retries\": 0");
    int without = successes(flakyOut);
    f.apply(
        f.global.api,
        "/meshes/default/retries/web-to-flaky",
        policy(
            "Retry",
            "web-to-flaky",
            "flaky",
            "conf: {http: {numRetries: 3, backOff: {baseInterval: 5ms, maxInterval: 20ms}}}"));
    awaitConfig(webAdmin, "\"num_retries\": 3");
    int with = successes(flakyOut);
    System.out.printf(
        "HttpPolicyFederationIT: app failing 1 in 2: %d of %d succeeded with numRetries 0,"
            + " %d of %d with numRetries 3%n",
        without, REQUESTS, with, REQUESTS);
    assertThat(without).isBetween(REQUESTS * 45 / 100, REQUESTS * 55 / 100);
    assertThat(with).isGreaterThanOrEqualTo(REQUESTS * 95 / 100);
  }

  private static String policy(String type, String name, String destination, String conf) {
    return """
        type: %s
        name: %s
        mesh: default
        sources:
        - match:
            kuma.io/service: web
        destinations:
        - match:
            kuma.io/service: %s
        %s
        """
        .formatted(type, name, destination, conf);
  }

  /**
   * Waits until web's Envoy has {@code fragment} in its config, then starts a new client: the
   * outbound routes are inline in the listener (as in Kuma), so a changed policy comes with a new
   * listener, which takes new connections while the old one drains those it had.
   */
  private void awaitConfig(int admin, String fragment) {
    await("web's Envoy has " + fragment)
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> f.getRaw("http://127.0.0.1:" + admin, "/config_dump").body().contains(fragment));
    client = newClient();
  }

  private static HttpClient newClient() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  private HttpResponse<String> get(int port) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
            .timeout(Duration.ofSeconds(20))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private int successes(int port) throws Exception {
    int ok = 0;
    for (int i = 0; i < REQUESTS; i++) {
      if (get(port).statusCode() == 200) {
        ok++;
      }
    }
    return ok;
  }

  /** A demo app for {@code service} and its sidecar, inbound tagged http. */
  private void backend(Federation.Node zone, String service, String... faults) {
    int app = FreePorts.one();
    processes.demoApp(dir.resolve(service + "-app.log"), app, service, "zone-1", faults);
    processes.sidecar(
        f, zone, MeshYaml.sidecar(service + "-1").inboundHttp(FreePorts.one(), app, service));
  }
}

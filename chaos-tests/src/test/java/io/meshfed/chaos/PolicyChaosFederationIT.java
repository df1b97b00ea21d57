package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.MeshfedProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Policies written on global steer requests between instances in two zones, every part a process: a
 * global, zone-1 and zone-2 with an ingress each, {@code meshfed demo-app} backends behind {@code
 * dp run} sidecars (HTTP inbounds), and a {@code client} sidecar in zone-1 with an outbound to each
 * service, in an mTLS mesh without default policies (an allow-all permission only, so no default
 * Retry hides a failure). Instances: {@code echo} twice in zone-1 and once in zone-2; {@code flaky}
 * once in zone-1 (200) and once in zone-2 answering 503 to everything; {@code faulty} and {@code
 * limited} in zone-2. zone-1's client reaches zone-2's instances through zone-2's ingress.
 *
 * <ol>
 *   <li>TrafficRoute with {@code loadBalancer.ringHash} on header {@code x-user}: each of 10 values
 *       reaches one instance in 50 requests of 50, the values spread over more than one instance;
 *       an {@code http} rule's {@code modify.path.rewritePrefix} rewrites the path the app sees.
 *   <li>CircuitBreaker with {@code detectors.totalErrors.consecutive: 3}, {@code baseEjectionTime:
 *       30s}: zone-2's 503 instance (behind zone-2's ingress) is ejected after its third 503; of
 *       the next 100 requests at most 5 fail.
 *   <li>FaultInjection {@code abort} 30 % (status 500): the share of 500s over 300 requests lies
 *       within 4 standard deviations of 90 (58..122).
 *   <li>RateLimit 5 requests per second, {@code onRateLimit} 423 with a header: a burst of 30
 *       requests gets no more 200s than the token bucket can hold and refill while it lasts, the
 *       rest 423 with the header.
 * </ol>
 *
 * Each phase waits until the policy shows in the Envoy config dumps, then sends a bounded number of
 * requests one after the other and prints what it measured.
 */
class PolicyChaosFederationIT {
  private static final Duration CONVERGE = Duration.ofSeconds(90);

  @TempDir Path dir;
  private Federation f;
  @RegisterExtension final LogsOnFailure logs = new LogsOnFailure(() -> f);
  private final List<MeshfedProcess> processes = new ArrayList<>();
  private HttpClient client = newClient();
  private final Map<String, Integer> outbound = new LinkedHashMap<>();
  private int clientAdmin;
  private int zone2Admin;
  private int ingress2;

  private static final String MESH =
      """
      type: Mesh
      name: default
      skipCreatingInitialPolicies: ['*']
      mtls:
        enabledBackend: ca-1
        backends:
        - name: ca-1
          type: builtin
      """;

  private static final String ALLOW_ALL =
      """
      type: TrafficPermission
      name: allow-all
      mesh: default
      sources:
      - match:
          kuma.io/service: '*'
      destinations:
      - match:
          kuma.io/service: '*'
      """;

  @AfterEach
  void stop() throws Exception {
    for (MeshfedProcess p : processes) {
      List<ProcessHandle> children =
          ProcessHandle.of(p.pid()).map(h -> h.descendants().toList()).orElse(List.of());
      p.close();
      children.forEach(ProcessHandle::destroyForcibly);
    }
    if (f != null) {
      f.close();
    }
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void policiesFromGlobalSteerRequestsAcrossTwoZones() throws Exception {
    try {
      run();
    } catch (AssertionError | RuntimeException e) {
      // LogsOnFailure runs after the temporary directory is gone: print them while they exist
      System.out.println("===== logs" + (f == null ? "" : f.logs()));
      throw e;
    }
  }

  private void run() throws Exception {
    f = new Federation(dir).startGlobal();
    List<Federation.Node> pair = f.startZones("zone-1", "zone-2");
    Federation.Node zone1 = pair.get(0);
    Federation.Node zone2 = pair.get(1);
    f.apply(f.global.api, "/meshes/default", MESH);
    f.apply(f.global.api, "/meshes/default/traffic-permissions/allow-all", ALLOW_ALL);
    await()
        .atMost(CONVERGE)
        .until(
            () ->
                f.get(zone1.api, "/meshes/default/traffic-permissions/allow-all") != null
                    && f.get(zone2.api, "/meshes/default/traffic-permissions/allow-all") != null);
    startWorkloads(zone1, zone2);

    ringHashAndPathRewrite();
    circuitBreakerEjectsTheFailingInstance();
    faultInjectionAbortsItsShare();
    rateLimitAnswersTheConfiguredStatus();
  }

  // ------------------------------------------------------------------ phases

  private void ringHashAndPathRewrite() throws Exception {
    f.apply(
        f.global.api,
        "/meshes/default/traffic-routes/echo-sticky",
        """
        type: TrafficRoute
        name: echo-sticky
        mesh: default
        sources:
        - match:
            kuma.io/service: client
        destinations:
        - match:
            kuma.io/service: echo
        conf:
          loadBalancer:
            ringHash:
              hashPolicies:
              - {type: Header, header: {name: x-user}}
          http:
          - match: {path: {prefix: /old/}}
            modify: {path: {rewritePrefix: /new/}}
            destination: {kuma.io/service: echo}
          destination: {kuma.io/service: echo}
        """);
    awaitConfig(clientAdmin, "\"RING_HASH\"", "\"prefix_rewrite\": \"/new/\"");

    Map<String, Set<String>> byValue = new LinkedHashMap<>();
    for (int v = 0; v < 10; v++) {
      String user = "user-" + v;
      Set<String> instances = new HashSet<>();
      for (int i = 0; i < 50; i++) {
        HttpResponse<String> r = get("echo", "/", Map.of("x-user", user));
        assertThat(r.statusCode()).as("x-user %s: %s", user, r.body()).isEqualTo(200);
        instances.add(instance(r.body()));
      }
      byValue.put(user, instances);
    }
    Set<String> reached = new HashSet<>();
    byValue.values().forEach(reached::addAll);
    System.out.printf(
        "PolicyChaosFederationIT: ring hash on x-user, 50 requests per value: %s%n", byValue);
    assertThat(byValue.values())
        .as("each x-user value reaches one instance, every time")
        .allSatisfy(instances -> assertThat(instances).hasSize(1));
    assertThat(reached).as("the values spread over the instances").hasSizeGreaterThan(1);

    JsonNode rewritten = Federation.JSON.readTree(get("echo", "/old/items?id=7", Map.of()).body());
    JsonNode untouched = Federation.JSON.readTree(get("echo", "/other/items", Map.of()).body());
    System.out.printf(
        "PolicyChaosFederationIT: modify rewritePrefix /old/ -> /new/: the app saw %s for"
            + " /old/items and %s for /other/items%n",
        rewritten.path("path"), untouched.path("path"));
    assertThat(rewritten.path("path").asText()).isEqualTo("/new/items");
    assertThat(untouched.path("path").asText()).isEqualTo("/other/items");
  }

  private void circuitBreakerEjectsTheFailingInstance() throws Exception {
    f.apply(
        f.global.api,
        "/meshes/default/circuit-breakers/flaky-breaker",
        """
        type: CircuitBreaker
        name: flaky-breaker
        mesh: default
        sources:
        - match:
            kuma.io/service: client
        destinations:
        - match:
            kuma.io/service: flaky
        conf:
          interval: 1s
          baseEjectionTime: 30s
          maxEjectionPercent: 50
          detectors:
            totalErrors:
              consecutive: 3
        """);
    awaitConfig(clientAdmin, "\"consecutive_5xx\": 3");
    String zone2Endpoint = "flaky::127.0.0.1:" + ingress2 + "::";

    // Round robin over the two instances: zone-2's gets every second request until its third 503
    // in a row ejects it (Envoy ejects on that response, from the main thread, within
    // milliseconds); then only zone-1's instance answers until the ejection time ends (30 s).
    int before = 0;
    int sent = 0;
    while (before < 3) {
      assertThat(sent).as("3 failures within 20 requests").isLessThan(20);
      sent++;
      if (get("flaky", "/", Map.of()).statusCode() != 200) {
        before++;
      }
    }
    long ejectedAt = System.nanoTime();
    int after = 0;
    Map<String, Integer> answeredBy = new LinkedHashMap<>();
    for (int i = 0; i < 100; i++) {
      HttpResponse<String> r = get("flaky", "/", Map.of());
      if (r.statusCode() == 200) {
        answeredBy.merge(Federation.JSON.readTree(r.body()).path("zone").asText(), 1, Integer::sum);
      } else {
        after++;
      }
    }
    double seconds = (System.nanoTime() - ejectedAt) / 1e9;
    String clusters = f.getRaw("http://127.0.0.1:" + clientAdmin, "/clusters").body();
    System.out.printf(
        "PolicyChaosFederationIT: circuit breaker (consecutive 5xx 3, ejection 30s): %d failed of"
            + " the %d requests before the ejection, %d failed of the next 100 (%.1f s; answered"
            + " by %s)%n",
        before, sent, after, seconds, answeredBy);
    assertThat(seconds).as("the 100 requests ran inside the ejection time").isLessThan(30);
    assertThat(after).as("failed requests after the ejection").isLessThanOrEqualTo(5);
    assertThat(clusters)
        .as("zone-2's ingress endpoint of flaky is ejected")
        .contains(zone2Endpoint + "health_flags::/failed_outlier_check");
  }

  private void faultInjectionAbortsItsShare() throws Exception {
    f.apply(
        f.global.api,
        "/meshes/default/fault-injections/faulty-abort",
        """
        type: FaultInjection
        name: faulty-abort
        mesh: default
        sources:
        - match:
            kuma.io/service: client
        destinations:
        - match:
            kuma.io/service: faulty
            kuma.io/protocol: http
        conf:
          abort:
            httpStatus: 500
            percentage: 30
        """);
    awaitConfig(zone2Admin, "\"http_status\": 500", "x-kuma-tags");
    awaitConfig(clientAdmin, "x-kuma-tags");
    int requests = 300;
    int aborted = 0;
    Set<Integer> statuses = new HashSet<>();
    for (int i = 0; i < requests; i++) {
      int status = get("faulty", "/", Map.of()).statusCode();
      statuses.add(status);
      if (status != 200) {
        aborted++;
      }
    }
    // binomial(300, 0.3): mean 90, standard deviation 7.9; 4 sigma: 58..122
    System.out.printf(
        "PolicyChaosFederationIT: fault injection abort 30%%: %d of %d aborted (%.1f %%, fair"
            + " bound 58..122), statuses %s%n",
        aborted, requests, 100.0 * aborted / requests, statuses);
    assertThat(aborted).isBetween(58, 122);
    assertThat(statuses).containsExactlyInAnyOrder(200, 500);
  }

  private void rateLimitAnswersTheConfiguredStatus() throws Exception {
    f.apply(
        f.global.api,
        "/meshes/default/rate-limits/limited-5-per-second",
        """
        type: RateLimit
        name: limited-5-per-second
        mesh: default
        sources:
        - match:
            kuma.io/service: '*'
        destinations:
        - match:
            kuma.io/service: limited
        conf:
          http:
            requests: 5
            interval: 1s
            onRateLimit:
              status: 423
              headers:
              - key: x-meshfed-rate-limited
                value: "true"
        """);
    awaitConfig(zone2Admin, "\"max_tokens\": 5");
    int burst = 30;
    int ok = 0;
    int limited = 0;
    long start = System.nanoTime();
    for (int i = 0; i < burst; i++) {
      HttpResponse<String> r = get("limited", "/", Map.of());
      if (r.statusCode() == 200) {
        ok++;
      } else {
        assertThat(r.statusCode()).as("beyond the limit: %s", r.body()).isEqualTo(423);
        assertThat(r.headers().firstValue("x-meshfed-rate-limited")).contains("true");
        limited++;
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    // A bucket of 5 that gets 5 more at each tick of a 1 s timer: within t seconds it hands out at
    // most 5 + 5 * (floor(t) + 1) tokens.
    int most = 5 + 5 * ((int) Math.floor(seconds) + 1);
    System.out.printf(
        "PolicyChaosFederationIT: rate limit 5/s: a burst of %d in %.2f s got %d x 200 (at most"
            + " %d) and %d x 423%n",
        burst, seconds, ok, most, limited);
    assertThat(ok).isBetween(1, most);
    assertThat(limited).isEqualTo(burst - ok).isPositive();
  }

  // ------------------------------------------------------------------ workloads

  private void startWorkloads(Federation.Node zone1, Federation.Node zone2) {
    ingress2 = FreePorts.one();
    processes.add(f.dpRun(zone1, "ingress-1", ingress("ingress-1", FreePorts.one()), true));
    processes.add(f.dpRun(zone2, "ingress-2", ingress("ingress-2", ingress2), true));

    processes.add(
        f.dpRun(
            zone1,
            "z1a",
            sidecar(
                "z1a",
                0,
                inbound("echo", app("echo", "zone-1", "z1-a")),
                inbound("flaky", app("flaky", "zone-1", "z1-a"))),
            false));
    processes.add(
        f.dpRun(
            zone1,
            "z1b",
            sidecar("z1b", 0, inbound("echo", app("echo", "zone-1", "z1-b"))),
            false));
    zone2Admin = FreePorts.one();
    processes.add(
        f.dpRun(
            zone2,
            "z2",
            sidecar(
                "z2",
                zone2Admin,
                inbound("echo", app("echo", "zone-2", "z2")),
                inbound("flaky", app("flaky", "zone-2", "z2", "--status", "503")),
                inbound("faulty", app("faulty", "zone-2", "z2")),
                inbound("limited", app("limited", "zone-2", "z2"))),
            false));

    clientAdmin = FreePorts.one();
    StringBuilder outbounds = new StringBuilder("  outbound:\n");
    for (String service : List.of("echo", "flaky", "faulty", "limited")) {
      int port = FreePorts.one();
      outbound.put(service, port);
      outbounds.append(
          "  - port: %d\n    tags:\n      kuma.io/service: %s\n".formatted(port, service));
    }
    processes.add(
        f.dpRun(
            zone1,
            "client",
            sidecar("client", clientAdmin, inbound("client", FreePorts.one())) + outbounds,
            false));

    String ingressEndpoint = "::127.0.0.1:" + ingress2 + "::health_flags::healthy";
    await("zone-1's client sees every instance, zone-2's through its ingress")
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              String clusters = f.getRaw("http://127.0.0.1:" + clientAdmin, "/clusters").body();
              for (String service : List.of("echo", "flaky", "faulty", "limited")) {
                assertThat(clusters).contains(service + ingressEndpoint);
              }
              assertThat(
                      clusters
                          .lines()
                          .filter(
                              l -> l.matches("echo::127\\.0\\.0\\.1:\\d+::health_flags::healthy")))
                  .hasSize(3);
              assertThat(
                      clusters
                          .lines()
                          .filter(
                              l -> l.matches("flaky::127\\.0\\.0\\.1:\\d+::health_flags::healthy")))
                  .hasSize(2);
            });
    // on a timeout the message holds what each service answered last (status and body, or the
    // exception): which one failed, and whether it was refused, reset or answered by another server
    await("the client reaches every service")
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              Map<String, String> answers = new LinkedHashMap<>();
              outbound.keySet().forEach(s -> answers.put(s, answer(s)));
              assertThat(answers)
                  .as("last answer of each service through the client's outbounds")
                  .allSatisfy(
                      (s, a) ->
                          assertThat(a)
                              .as(s)
                              .matches(s.equals("flaky") ? "^\\d{3} .*" : "^200 .*"));
            });
  }

  /** {@code STATUS BODY} of a GET / to {@code service}, or the exception's class and message. */
  private String answer(String service) {
    try {
      HttpResponse<String> r = get(service, "/", Map.of());
      String body = r.body().replaceAll("\\s+", " ");
      return r.statusCode() + " " + (body.length() > 200 ? body.substring(0, 200) + "..." : body);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    } catch (Exception e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }

  /** A demo app, its port. */
  private int app(String service, String zone, String instance, String... faults) {
    int port = FreePorts.one();
    List<String> args =
        new ArrayList<>(
            List.of(
                "demo-app",
                "--port",
                String.valueOf(port),
                "--service",
                service,
                "--zone",
                zone,
                "--instance",
                instance));
    args.addAll(List.of(faults));
    processes.add(
        MeshfedProcess.start(
            dir.resolve("app-" + service + "-" + instance + ".log"), args.toArray(String[]::new)));
    return port;
  }

  private static String inbound(String service, int servicePort) {
    return """
          - port: %d
            servicePort: %d
            tags:
              kuma.io/service: %s
              kuma.io/protocol: http
        """
        .formatted(FreePorts.one(), servicePort, service);
  }

  private static String sidecar(String name, int admin, String... inbounds) {
    StringBuilder yaml =
        new StringBuilder(
            """
            type: Dataplane
            mesh: default
            name: %s
            networking:
              address: 127.0.0.1
            """
                .formatted(name));
    if (admin > 0) {
      yaml.append("  admin:\n    port: %d\n".formatted(admin));
    }
    yaml.append("  inbound:\n");
    for (String in : inbounds) {
      yaml.append(in);
    }
    return yaml.toString();
  }

  private static String ingress(String name, int port) {
    return """
        type: ZoneIngress
        name: %s
        networking:
          address: 127.0.0.1
          port: %d
          advertisedAddress: 127.0.0.1
          advertisedPort: %d
          admin:
            port: %d
        """
        .formatted(name, port, port, FreePorts.one());
  }

  // ------------------------------------------------------------------ requests

  /**
   * Waits until the Envoy with admin port {@code admin} has every fragment in its config dump, then
   * starts a new client: a changed outbound comes with a new listener, whose old connections drain.
   */
  private void awaitConfig(int admin, String... fragments) {
    await("Envoy (admin " + admin + ") has " + List.of(fragments))
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              String dump = f.getRaw("http://127.0.0.1:" + admin, "/config_dump").body();
              return List.of(fragments).stream().allMatch(dump::contains);
            });
    client = newClient();
  }

  private static HttpClient newClient() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  private HttpResponse<String> get(String service, String path, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + outbound.get(service) + path))
            .timeout(Duration.ofSeconds(10));
    headers.forEach(request::header);
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String instance(String body) throws Exception {
    JsonNode n = Federation.JSON.readTree(body);
    return n.path("zone").asText() + "/" + n.path("instance").asText();
  }
}

package io.meshfed.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.Chromium;
import io.meshfed.testing.WebDriverSession;
import io.meshfed.zone.ZoneControlPlane;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * GUI page load time on N dataplanes: a global and one zone in this JVM, N dataplanes registered on
 * the zone, each with an open xDS stream from a simulated Envoy ({@link ProxySwarm}, in a child
 * JVM) so that every one has its insight and shows online. Headless Chromium then loads a view from
 * scratch (a fresh navigation each time) and the time from navigation start to the view's {@code
 * data-ready} mark (set after its data is fetched and rendered) is read from the page ({@code
 * data-ready-ms}, the page's own {@code performance.now()}). Prints, per view, the median, min and
 * max of several loads after one warm-up load, and fails on any browser console error.
 *
 * <p>Usage: {@code GuiLoadBench [dataplanes=1000] [loads=7]}
 */
public final class GuiLoadBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SERVICES = 50;
  private static final Duration WAIT = Duration.ofMinutes(3);

  private GuiLoadBench() {}

  public static void main(String[] args) throws Exception {
    int dataplanes = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int loads = args.length > 1 ? Integer.parseInt(args[1]) : 7;
    if (dataplanes < 1 || loads < 1) {
      throw new IllegalArgumentException(
          "arguments: " + String.join(" ", args) + " (expected: [dataplanes >= 1] [loads >= 1])");
    }
    System.out.printf(
        "GUI page load: global + zone-1 in this JVM (memory stores), %d dataplanes on zone-1,"
            + " each with a simulated Envoy on an xDS stream (child JVM); headless Chromium;"
            + " %d cores%n",
        dataplanes, Runtime.getRuntime().availableProcessors());
    Path dir = Files.createTempDirectory("meshfed-gui-bench-");
    HttpClient http = HttpClient.newHttpClient();
    try (GlobalControlPlane global =
        InProcessFederation.startGlobal(dir, new MemoryResourceStore())) {
      String globalApi = "http://127.0.0.1:" + global.apiPort();
      put(http, globalApi + "/meshes/default", "{\"type\":\"Mesh\",\"name\":\"default\"}");
      ZoneControlPlane zone =
          InProcessFederation.zone(global, dir, "zone-1", global.kdsPort()).start();
      Process swarm = null;
      try {
        String zoneApi = "http://127.0.0.1:" + zone.apiPort();
        awaitTrue(() -> status(http, zoneApi + "/meshes/default") == 200, "mesh on zone-1");
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < dataplanes; i++) {
          String name = "dp-" + i;
          put(http, zoneApi + "/meshes/default/dataplanes/" + name, dataplane(name, i));
          nodes.add(zone.xdsPort() + " default." + name);
        }
        Path nodesFile = dir.resolve("nodes.txt");
        Files.write(nodesFile, nodes, StandardCharsets.UTF_8);
        swarm =
            new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx1g",
                    "-cp",
                    System.getProperty("java.class.path"),
                    ProxySwarm.class.getName(),
                    nodesFile.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        for (String api : List.of(zoneApi, globalApi)) {
          awaitTrue(
              () -> online(http, api) == dataplanes,
              api + ": " + dataplanes + " dataplanes online");
        }
        System.out.printf("%d dataplanes online on zone-1 and on global%n", dataplanes);

        try (Chromium chromium = Chromium.start(1280, 900)) {
          WebDriverSession browser = chromium.session();
          measure(
              browser,
              globalApi + "/gui#/dataplanes",
              "#dataplanes",
              "global, dataplanes (first page of 50)",
              loads);
          measure(
              browser,
              zoneApi + "/gui#/dataplanes",
              "#dataplanes",
              "zone, dataplanes (first page of 50)",
              loads);
          measure(
              browser,
              globalApi + "/gui#/services",
              "#services",
              "global, services (reads all " + dataplanes + " overviews)",
              loads);
          measure(browser, globalApi + "/gui#/meshes", "#meshes", "global, meshes", loads);
          List<String> errors = browser.consoleErrors();
          if (!errors.isEmpty()) {
            throw new IllegalStateException("browser console errors: " + errors);
          }
        }
      } finally {
        if (swarm != null) {
          swarm.getOutputStream().close();
          swarm.destroy();
          swarm.waitFor();
        }
        zone.close();
      }
    }
  }

  private static void measure(
      WebDriverSession browser, String url, String view, String what, int loads)
      throws InterruptedException {
    List<Long> times = new ArrayList<>();
    for (int i = 0; i <= loads; i++) {
      browser.navigate("about:blank");
      browser.navigate(url);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      String ms;
      while ((ms = browser.attribute(view + "[data-ready]", "data-ready-ms")) == null) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(url + " did not render within 60 s");
        }
        Thread.sleep(10);
      }
      if (i > 0) {
        times.add(Long.parseLong(ms));
      }
    }
    Collections.sort(times);
    System.out.printf(
        "%-55s median %4d ms, min %4d ms, max %4d ms (%d loads after a warm-up)%n",
        what, times.get(times.size() / 2), times.get(0), times.get(times.size() - 1), loads);
  }

  private static String dataplane(String name, int i) {
    int svc = i % SERVICES;
    return "{\"type\":\"Dataplane\",\"mesh\":\"default\",\"name\":\""
        + name
        + "\",\"networking\":{\"address\":\"10.1."
        + (i / 250)
        + "."
        + (i % 250 + 1)
        + "\",\"inbound\":[{\"port\":"
        + (10000 + svc)
        + ",\"servicePort\":"
        + (8000 + svc)
        + ",\"tags\":{\"kuma.io/service\":\"svc-"
        + svc
        + "\"}}],\"outbound\":[{\"port\":"
        + (20000 + (svc + 1) % SERVICES)
        + ",\"tags\":{\"kuma.io/service\":\"svc-"
        + (svc + 1) % SERVICES
        + "\"}}]}}";
  }

  private static int online(HttpClient http, String api) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(api + "/mesh-insights/default")).build(),
              HttpResponse.BodyHandlers.ofString());
      JsonNode body = JSON.readTree(r.body());
      return r.statusCode() == 200 ? body.path("dataplanes").path("online").asInt() : -1;
    } catch (Exception e) {
      return -1;
    }
  }

  private static int status(HttpClient http, String url) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create(url)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  private static void put(HttpClient http, String url, String json) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200 && r.statusCode() != 201) {
      throw new IllegalStateException("PUT " + url + ": " + r.statusCode() + " " + r.body());
    }
  }

  private static void awaitTrue(java.util.function.BooleanSupplier condition, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + WAIT + " waiting for " + what);
      }
      Thread.sleep(100);
    }
  }
}

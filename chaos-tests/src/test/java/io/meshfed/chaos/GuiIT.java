package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.meshfed.testing.Chromium;
import io.meshfed.testing.SimulatedEnvoy;
import io.meshfed.testing.WebDriverSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GUI in headless Chromium against a running federation (issue 12): a global and two zones as
 * real processes, mesh {@code default} with mTLS, three proxies (simulated Envoys on real xDS
 * streams, so they are online and hold certificates) and a TrafficPermission. Every view of
 * global's {@code /gui} loads without a console error and shows both zones' data; a dataplane's
 * detail shows its policies and the config sent to it; a policy shows its YAML and per-zone sync;
 * the zone's own {@code /gui} shows its proxies and no zones view; when zone-2 stops, the open
 * zones view turns it offline without a reload. Screenshots go to {@code target/gui-screenshots}.
 */
class GuiIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Duration POLL = Duration.ofMillis(100);
  private static final Path SHOTS = Path.of("target", "gui-screenshots");

  @TempDir Path dir;
  private Federation f;
  @RegisterExtension final LogsOnFailure logs = new LogsOnFailure(() -> f);
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<SimulatedEnvoy> envoys = new ArrayList<>();
  private Chromium chromium;

  @AfterEach
  void stop() throws Exception {
    if (chromium != null) {
      chromium.close();
    }
    envoys.forEach(SimulatedEnvoy::close);
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (f != null) {
      f.close();
    }
  }

  @Test
  void everyViewShowsTheFederationAndTheZonesViewSeesAZoneGoOffline() throws Exception {
    f = new Federation(dir).startGlobal();
    f.apply(f.global.api, "/meshes/default", MeshYaml.MESH_MTLS_ON);
    f.apply(
        f.global.api,
        "/meshes/default/traffic-permissions/web-to-backend",
        MeshYaml.trafficPermission("web-to-backend", "web", "backend"));
    // both zones and the browser start side by side
    Federation.Node zone1 = f.startZone("zone-1", f.token("zone-1"), f.kdsPort, false);
    Federation.Node zone2 = f.startZone("zone-2", f.token("zone-2"), f.kdsPort, false);
    chromium = Chromium.start(1280, 800);
    WebDriverSession browser = chromium.session();
    for (Federation.Node zone : List.of(zone1, zone2)) {
      zone.process.awaitReady(zone.api, Duration.ofSeconds(60));
    }
    for (Federation.Node zone : List.of(zone1, zone2)) {
      await().atMost(WAIT).until(() -> f.get(zone.api, "/meshes/default") != null);
    }
    proxy(zone1, "web-1", "web", 20001);
    proxy(zone1, "backend-1", "backend", 20002);
    proxy(zone2, "backend-2", "backend", 20003);
    await()
        .atMost(WAIT)
        .pollInterval(POLL)
        .until(
            () ->
                f.get(f.global.api, "/meshes/default/dataplanes+insights").path("items").size() == 3
                    && f.get(f.global.api, "/meshes/default/service-insights/backend")
                            .path("dataplanes")
                            .path("online")
                            .asInt()
                        == 2);
    String gui = f.global.api + "/gui";

    // zones: both online, with their versions and per-type KDS counters
    browser.navigate(gui + "#/zones");
    awaitText(browser, "#zones tr[data-key='zone-1']", "online");
    awaitText(browser, "#zones tr[data-key='zone-2']", "online");
    assertThat(browser.text("#zones tr[data-key='zone-2/TrafficPermission']")).isNotBlank();
    screenshot(browser, "zones");

    browser.navigate(gui + "#/meshes");
    awaitText(browser, "#meshes tr[data-key='default']", "on (ca-1)");

    // services: instances and health per zone
    browser.navigate(gui + "#/services");
    awaitText(browser, "#services tr[data-key='backend']", "zone-1: 1 / 1 · zone-2: 1 / 1");
    screenshot(browser, "services");

    // dataplanes of both zones, online, with certificates
    browser.navigate(gui + "#/dataplanes");
    for (String name : List.of("zone-1.web-1", "zone-1.backend-1", "zone-2.backend-2")) {
      awaitText(browser, "#dataplanes tr[data-key='" + name + "']", "online");
    }
    assertThat(browser.text("#dataplanes tr[data-key='zone-2.backend-2']"))
        .contains("zone-2")
        .contains("UTC")
        .doesNotContain("none");
    screenshot(browser, "dataplanes");

    // a dataplane's detail: the policies that apply (relayed by global to zone-2) and its config
    browser.click("#dataplanes tr[data-key='zone-2.backend-2'] a");
    awaitText(browser, "#dataplane", "web-to-backend");
    awaitText(browser, "#dataplane", "ClustersConfigDump");
    assertThat(browser.text("#dataplane")).contains("ListenersConfigDump").contains("online");
    assertThat(
            browser.execute("return document.getElementById('config-dump').textContent").asText())
        .contains("dynamic_active_clusters")
        .doesNotContain("BEGIN PRIVATE KEY");
    screenshot(browser, "dataplane");

    // a policy: its YAML and which zone holds which version
    browser.navigate(gui + "#/policies/traffic-permissions");
    awaitText(browser, "#policies tr[data-key='web-to-backend']", "2 / 2 up to date");
    browser.click("#policies tr[data-key='web-to-backend'] a");
    awaitText(browser, "#policy-yaml", "name: web-to-backend");
    awaitText(browser, "#policy tr[data-key='zone-1']", "acked");
    awaitText(browser, "#policy tr[data-key='zone-2']", "acked");
    assertThat(browser.text("#policy-yaml")).contains("type: TrafficPermission");
    screenshot(browser, "policy");

    // the zone's own GUI: its proxies only, no zones view, no sync column
    browser.navigate(zone1.api + "/gui#/dataplanes");
    awaitText(browser, "#dataplanes tr[data-key='web-1']", "online");
    assertThat(browser.text("#dataplanes")).contains("backend-1").doesNotContain("backend-2");
    assertThat(browser.text("#nav")).doesNotContain("Zones").contains("Dataplanes");
    assertThat(browser.text("#cp")).contains("zone zone-1");

    // zone-2 stops: the zones view, left open, shows it offline without a reload
    browser.navigate(gui + "#/zones");
    awaitText(browser, "#zones tr[data-key='zone-2']", "online");
    browser.execute("window.__sameDocument = true; return null;");
    zone2.process.close();
    awaitText(browser, "#zones tr[data-key='zone-2']", "offline");
    assertThat(browser.execute("return window.__sameDocument === true").asBoolean())
        .as("the page was not reloaded")
        .isTrue();
    assertThat(browser.text("#zones tr[data-key='zone-1']")).contains("online");
    screenshot(browser, "zone-offline");

    assertThat(browser.consoleErrors()).as("browser console errors").isEmpty();
  }

  /** Registers a sidecar of {@code service} on {@code zone} and connects a simulated Envoy. */
  private void proxy(Federation.Node zone, String name, String service, int port) {
    f.apply(
        zone.api,
        "/meshes/default/dataplanes/" + name,
        MeshYaml.sidecar(name)
            .inbound(port, port + 1000, service)
            .outbound(port + 2000, "backend")
            .yaml());
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", f.get(zone.api, "/").path("xdsPort").asInt())
            .usePlaintext()
            .build();
    channels.add(channel);
    Metadata md = new Metadata();
    md.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + f.dataplaneToken(zone.api, "sidecar", "default", name));
    envoys.add(
        SimulatedEnvoy.connect(
            ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md)),
            "default." + name,
            Map.of(),
            (type, version) -> {}));
  }

  /** Waits until the element matching {@code css} shows {@code expected}; no console error. */
  private static void awaitText(WebDriverSession browser, String css, String expected) {
    await()
        .atMost(WAIT)
        .pollInterval(POLL)
        .untilAsserted(
            () -> {
              assertThat(browser.consoleErrors()).as("browser console errors").isEmpty();
              assertThat(browser.text(css)).as(css).isNotNull().contains(expected);
            });
  }

  private static void screenshot(WebDriverSession browser, String name) throws Exception {
    Files.createDirectories(SHOTS);
    Files.write(SHOTS.resolve("gui-" + name + ".png"), browser.screenshot());
  }
}

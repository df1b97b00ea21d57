package io.meshfed.zone.kds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.kds.KdsSettings;
import io.meshfed.model.DataplaneTokenHeader;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.TcpProxy;
import io.meshfed.zone.ZoneConfig;
import io.meshfed.zone.ZoneControlPlane;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The zone's real KDS client against a fake global over TLS on loopback. */
class ZoneKdsIT {
  private static final String TOKEN = "zone-1-token.abc";
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String TP_YAML =
      "type: TrafficPermission\nmesh: default\nname: %s\nsources:\n- match:\n"
          + "    kuma.io/service: '*'\ndestinations:\n- match:\n    kuma.io/service: '*'\n";
  private static final String DATAPLANE_YAML =
      "type: Dataplane\nmesh: default\nname: web-1\nnetworking:\n  address: 10.0.0.1\n"
          + "  inbound:\n  - port: 8080\n    servicePort: 80\n    tags:\n"
          + "      kuma.io/service: web\n      kuma.io/zone: other\n";

  @TempDir Path dir;
  private final ResourceCodec codec = new ResourceCodec(StandardTypes.registry());
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final MemoryResourceStore globalStore = new MemoryResourceStore();
  private final MemoryResourceStore zoneStore = new MemoryResourceStore();
  private final TestPki pki = TestPki.create("meshfed test KDS CA");

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    globalStore.close();
  }

  private FakeGlobal global(int port) throws Exception {
    FakeGlobal g = new FakeGlobal(globalStore, pki, port, TOKEN).start();
    closeables.add(g);
    return g;
  }

  private ZoneControlPlane zone(int globalPort, Path caFile, Path tokenFile) {
    return zone(
        globalPort,
        caFile,
        tokenFile,
        KdsClientOptions.defaults()
            .withSettings(KdsSettings.defaults().withCoalesceDelay(Duration.ofMillis(10)))
            .withReconnect(Duration.ofMillis(100), Duration.ofMillis(400)));
  }

  private ZoneControlPlane zone(
      int globalPort, Path caFile, Path tokenFile, KdsClientOptions options) {
    ZoneConfig config =
        ZoneConfig.load(
            Map.of(
                "zone",
                "zone-1",
                "global-address",
                "grpcs://127.0.0.1:" + globalPort,
                "zone-token-file",
                tokenFile.toString(),
                "ca-file",
                caFile.toString(),
                "api-port",
                "0",
                "xds-port",
                "0"),
            Map.of(),
            null);
    ZoneControlPlane cp = new ZoneControlPlane(config, zoneStore, Clock.systemUTC(), options);
    closeables.add(cp);
    return cp.start();
  }

  private Path tokenFile(String content) throws Exception {
    return Files.writeString(dir.resolve("zone.token"), content);
  }

  private Path caFile() throws Exception {
    return pki.writeCa(dir.resolve("kds-ca.crt"));
  }

  private void putOnGlobal(String yaml) {
    globalStore.create(codec.decodeOne(yaml)).join();
  }

  private Optional<Resource> inZone(ResourceKey key) {
    return zoneStore.get(key).join();
  }

  private HttpResponse<String> send(HttpRequest request) throws Exception {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** A dataplane token from the zone's {@code POST /tokens/dataplane}. */
  private String dataplaneToken(int apiPort, String name) throws Exception {
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + "/tokens/dataplane"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"mesh\": \"default\", \"name\": \"" + name + "\"}"))
                .build());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body().strip();
  }

  private static ResourceKey tp(String name) {
    return ResourceKey.inMesh(StandardTypes.TRAFFIC_PERMISSION, "default", name);
  }

  /**
   * The connection to global goes silent for good (a NAT on the path lost it) while new connections
   * work: after the heartbeat timeout the zone dials a new connection instead of sending its next
   * session into the dead one until keepalive notices (15 s + 15 s).
   */
  @Test
  void afterAHeartbeatTimeoutTheZoneDialsANewConnection() throws Exception {
    int port = FreePorts.one();
    global(port);
    putOnGlobal("type: Mesh\nname: default\n");
    TcpProxy proxy = TcpProxy.to(port);
    closeables.add(proxy);
    KdsClientOptions options =
        KdsClientOptions.defaults()
            .withSettings(
                KdsSettings.defaults()
                    .withCoalesceDelay(Duration.ofMillis(10))
                    .withHeartbeat(Duration.ofSeconds(1), Duration.ofSeconds(7)))
            .withReconnect(Duration.ofMillis(100), Duration.ofMillis(400));
    ZoneControlPlane zone = zone(proxy.port(), caFile(), tokenFile(TOKEN), options);
    await().atMost(WAIT).until(() -> zone.globalConnection().connected());
    long dialled = proxy.connectionsAccepted();
    Instant silencedAt = Instant.now();

    proxy.silenceOpenConnections();

    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              GlobalConnectionStatus s = zone.globalConnection();
              assertThat(s.connected()).isTrue();
              assertThat(s.lastConnectTime()).isAfter(silencedAt);
            });
    Duration recovery = Duration.between(silencedAt, zone.globalConnection().lastConnectTime());
    System.out.println(
        "KDS recovery after the connection went silent: " + recovery.toMillis() + " ms");
    assertThat(proxy.connectionsAccepted()).isGreaterThan(dialled);
  }

  /**
   * Every byte is swallowed for a while (the heartbeat timeout passes), then the path reopens: the
   * zone is connected again within a few seconds of the reopening.
   */
  @Test
  void recoversWithinSecondsOfABlackholeEnding() throws Exception {
    int port = FreePorts.one();
    global(port);
    putOnGlobal("type: Mesh\nname: default\n");
    TcpProxy proxy = TcpProxy.to(port);
    closeables.add(proxy);
    KdsClientOptions options =
        KdsClientOptions.defaults()
            .withSettings(
                KdsSettings.defaults()
                    .withCoalesceDelay(Duration.ofMillis(10))
                    .withHeartbeat(Duration.ofSeconds(1), Duration.ofSeconds(7)))
            .withReconnect(Duration.ofMillis(100), Duration.ofMillis(400));
    ZoneControlPlane zone = zone(proxy.port(), caFile(), tokenFile(TOKEN), options);
    await().atMost(WAIT).until(() -> zone.globalConnection().connected());

    proxy.mode(TcpProxy.Mode.BLACKHOLE);
    await().atMost(WAIT).until(() -> !zone.globalConnection().connected());
    proxy.mode(TcpProxy.Mode.FORWARD);
    Instant reopenedAt = Instant.now();

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              GlobalConnectionStatus s = zone.globalConnection();
              assertThat(s.connected()).isTrue();
              assertThat(s.lastConnectTime()).isAfter(reopenedAt);
            });
    System.out.println(
        "KDS recovery after the blackhole ended: "
            + Duration.between(reopenedAt, zone.globalConnection().lastConnectTime()).toMillis()
            + " ms");
  }

  /**
   * Failed attempts grow the reconnect delay; once global accepts a session it starts again from
   * the base, so a later disconnect is retried quickly.
   */
  @Test
  void theReconnectBackoffRestartsAfterGlobalAcceptsASession() throws Exception {
    int port = FreePorts.one();
    global(port);
    TcpProxy proxy = TcpProxy.to(port);
    closeables.add(proxy);
    Path token = tokenFile(""); // no token yet: every attempt fails and the delay grows
    KdsClientOptions options =
        KdsClientOptions.defaults()
            .withSettings(KdsSettings.defaults().withCoalesceDelay(Duration.ofMillis(10)))
            .withReconnect(Duration.ofMillis(400), Duration.ofSeconds(20));
    ZoneControlPlane zone = zone(proxy.port(), caFile(), token, options);
    await().atMost(WAIT).until(() -> zone.globalConnection().attempts() >= 4);
    Files.writeString(token, TOKEN);
    await().atMost(WAIT).until(() -> zone.globalConnection().connected());

    Instant cutAt = Instant.now();
    proxy.cutAll();

    await()
        .atMost(WAIT)
        .until(
            () ->
                zone.globalConnection().connected()
                    && zone.globalConnection().lastConnectTime().isAfter(cutAt));
    GlobalConnectionStatus s = zone.globalConnection();
    assertThat(Duration.between(s.lastDisconnectTime(), s.lastConnectTime()))
        .as("reconnected after the base delay (400 ms), not the grown one (6.4 s or more)")
        .isLessThan(Duration.ofMillis(2000));
  }

  @Test
  void syncsBothWaysSendingTheTokenAndHandshakeHeaders() throws Exception {
    int port = FreePorts.one();
    FakeGlobal global = global(port);
    putOnGlobal("type: Mesh\nname: default\n");
    putOnGlobal(TP_YAML.formatted("allow-all"));
    putOnGlobal(
        "type: ZoneIngress\nname: ingress-z2\nlabels:\n  kuma.io/origin: zone\n"
            + "  kuma.io/zone: zone-2\nzone: zone-2\nnetworking:\n  address: 10.2.0.1\n"
            + "  port: 10001\n  advertisedAddress: 1.2.3.4\n  advertisedPort: 10001\n");

    ZoneControlPlane zone = zone(port, caFile(), tokenFile("  " + TOKEN + "\n"));

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(inZone(tp("allow-all")))
                  .hasValueSatisfying(
                      r -> assertThat(r.labels()).containsEntry(Tags.ORIGIN, "global"));
              assertThat(inZone(ResourceKey.global(StandardTypes.MESH, "default")))
                  .hasValueSatisfying(
                      r -> assertThat(r.labels()).containsEntry(Tags.ORIGIN, "global"));
              assertThat(inZone(ResourceKey.global(StandardTypes.ZONE_INGRESS, "ingress-z2")))
                  .hasValueSatisfying(
                      r -> assertThat(r.labels()).containsEntry(Tags.ORIGIN, "global"));
            });
    assertThat(zone.globalConnection().connected()).isTrue();
    assertThat(zone.globalConnection().lastConnectTime()).isNotNull();

    HttpResponse<String> put =
        send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + zone.apiPort() + "/meshes/default/dataplanes/web-1"))
                .header("Content-Type", "application/yaml")
                // The zone requires a dataplane token on registration (the default).
                .header(DataplaneTokenHeader.NAME, dataplaneToken(zone.apiPort(), "web-1"))
                .PUT(HttpRequest.BodyPublishers.ofString(DATAPLANE_YAML))
                .build());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);

    ResourceKey dp = ResourceKey.inMesh(StandardTypes.DATAPLANE, "default", "web-1");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(globalStore.get(dp).join())
                    .hasValueSatisfying(
                        r -> {
                          assertThat(r.labels())
                              .containsEntry(Tags.ZONE, "zone-1")
                              .containsEntry(Tags.ORIGIN, "zone");
                          assertThat(r.spec(DataplaneSpec.class).inbounds().get(0).tags())
                              .containsEntry(Tags.ZONE, "zone-1");
                        }));
    // Another zone's ingress that global sent is never reported back as this zone's.
    assertThat(global.received)
        .contains("Dataplane default/web-1")
        .noneMatch(s -> s.contains("ingress-z2"));

    assertThat(global.headersSeen).isNotEmpty();
    global.headersSeen.forEach(
        h -> {
          assertThat(h.get(FakeGlobal.AUTHORIZATION)).isEqualTo("Bearer " + TOKEN);
          assertThat(h.get(FakeGlobal.ZONE)).isEqualTo("zone-1");
          assertThat(h.get(FakeGlobal.VERSION)).matches("\\d+\\.\\d+\\.\\d+.*");
          assertThat(h.get(FakeGlobal.FEATURES)).isEqualTo("kds-delta-v1,kds-digest-v1");
        });

    HttpResponse<String> status =
        send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + zone.apiPort() + "/status/global"))
                .build());
    assertThat(status.statusCode()).isEqualTo(200);
    assertThat(status.body())
        .contains("\"connected\":true")
        .contains("\"globalAddress\":\"grpcs://127.0.0.1:" + port + "\"")
        .contains("\"zone\":\"zone-1\"");
  }

  @Test
  void reconnectsAfterGlobalRestartsAndDeletesNothingMeanwhile() throws Exception {
    int port = FreePorts.one();
    FakeGlobal global = global(port);
    putOnGlobal("type: Mesh\nname: default\n");
    putOnGlobal(TP_YAML.formatted("before"));
    ZoneControlPlane zone = zone(port, caFile(), tokenFile(TOKEN));
    await().atMost(WAIT).until(() -> inZone(tp("before")).isPresent());
    long attempts = zone.globalConnection().attempts();

    global.stop();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              GlobalConnectionStatus s = zone.globalConnection();
              assertThat(s.connected()).isFalse();
              assertThat(s.lastDisconnectTime()).isNotNull();
              assertThat(s.lastError()).isNotBlank();
              assertThat(s.attempts()).isGreaterThan(attempts + 1);
            });
    assertThat(inZone(tp("before"))).isPresent();
    assertThat(inZone(ResourceKey.global(StandardTypes.MESH, "default"))).isPresent();
    HttpResponse<String> served =
        send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + zone.apiPort()
                            + "/meshes/default/traffic-permissions/before"))
                .build());
    assertThat(served.statusCode()).isEqualTo(200);

    putOnGlobal(TP_YAML.formatted("after"));
    global.start();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(inZone(tp("after"))).isPresent();
              assertThat(zone.globalConnection().connected()).isTrue();
              assertThat(zone.globalConnection().lastError()).isNull();
            });
    assertThat(inZone(tp("before"))).isPresent();
  }

  @Test
  void aWrongCaNeverConnectsAndSaysWhy() throws Exception {
    int port = FreePorts.one();
    FakeGlobal global = global(port);
    putOnGlobal("type: Mesh\nname: default\n");
    Path otherCa = TestPki.create("some other CA").writeCa(dir.resolve("other-ca.crt"));

    ZoneControlPlane zone = zone(port, otherCa, tokenFile(TOKEN));

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              GlobalConnectionStatus s = zone.globalConnection();
              assertThat(s.attempts()).isGreaterThanOrEqualTo(3);
              assertThat(s.lastErrorCode()).isEqualTo("UNAVAILABLE");
              assertThat(s.lastError())
                  .contains("TLS handshake failed")
                  .contains("--ca-file " + otherCa);
            });
    assertThat(zone.globalConnection().connected()).isFalse();
    assertThat(zone.globalConnection().lastConnectTime()).isNull();
    assertThat(global.headersSeen).as("no call got past TLS").isEmpty();
    assertThat(inZone(ResourceKey.global(StandardTypes.MESH, "default"))).isEmpty();
  }

  @Test
  void aRefusedTokenIsReportedAndRetriedUntilTheOperatorFixesIt() throws Exception {
    int port = FreePorts.one();
    global(port);
    putOnGlobal("type: Mesh\nname: default\n");
    Path token = tokenFile("not-the-token\n");

    ZoneControlPlane zone = zone(port, caFile(), token);

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              GlobalConnectionStatus s = zone.globalConnection();
              assertThat(s.attempts()).isGreaterThanOrEqualTo(3);
              assertThat(s.refusedByGlobal()).isTrue();
              assertThat(s.lastErrorCode()).isEqualTo("UNAUTHENTICATED");
              assertThat(s.lastError()).contains("fake global: zone token refused");
            });
    assertThat(zone.globalConnection().connected()).isFalse();
    assertThat(inZone(ResourceKey.global(StandardTypes.MESH, "default"))).isEmpty();

    Files.writeString(token, TOKEN + "\n");

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(zone.globalConnection().connected()).isTrue();
              assertThat(zone.globalConnection().refusedByGlobal()).isFalse();
              assertThat(inZone(ResourceKey.global(StandardTypes.MESH, "default"))).isPresent();
            });
  }
}

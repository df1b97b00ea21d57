package io.meshfed.global.kds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Status;
import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.global.api.ZoneTokenEndpoint;
import io.meshfed.global.kds.auth.ZoneTokenIssuer;
import io.meshfed.global.kds.tls.KdsTlsMaterial;
import io.meshfed.kds.KdsClientSession;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.ZoneSpec;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A secured global (TLS, zone tokens) on loopback against zones speaking real KDS: who may connect,
 * who is disconnected, and what happens to connections that never authenticate.
 */
class ZoneAccessIT {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final int MAX_PENDING = 8;
  private static final Duration AUTH_DEADLINE = Duration.ofSeconds(2);

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final MemoryResourceStore store = new MemoryResourceStore();
  private GlobalControlPlane global;
  private Path caFile;

  @BeforeEach
  void startGlobal() {
    List<Integer> ports = FreePorts.several(2);
    GlobalConfig config =
        GlobalConfig.load(
            Map.of(
                "api-port", ports.get(0).toString(),
                "kds-port", ports.get(1).toString(),
                "api-address", "127.0.0.1",
                "data-dir", dir.resolve("global").toString()),
            Map.of(),
            null);
    KdsServerOptions options =
        KdsServerOptions.defaults()
            .withBindAddress("127.0.0.1")
            .withSettings(TokenZone.SETTINGS)
            .withInsightFlushInterval(Duration.ofMillis(100))
            .withConnectionLimits(MAX_PENDING, AUTH_DEADLINE);
    global = GlobalControlPlane.secured(config, store, Clock.systemUTC(), options).start();
    caFile = config.dataDir().resolve(KdsTlsMaterial.CA_FILE_NAME);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    global.close();
  }

  private TokenZone zone(String name, String token, String instance) {
    TokenZone z = new TokenZone(name, global.kdsPort(), caFile, token, instance);
    closeables.add(0, z);
    return z;
  }

  private ZoneTokenIssuer.Issued token(String zone, Duration validFor) {
    return global.zoneTokenIssuer().issueWithId(zone, validFor);
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + global.apiPort() + path))
            .header("Content-Type", "application/json");
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode zoneStatus(String zone) throws Exception {
    for (JsonNode item : json.readTree(send("GET", "/status/zones", null).body())) {
      if (item.get("name").asText().equals(zone)) {
        return item;
      }
    }
    return null;
  }

  /** Global accepted the session and says so on {@code /status/zones}. */
  private void awaitOnline(String zone, KdsClientSession session) {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(session.closed()).isNotDone();
              JsonNode status = zoneStatus(zone);
              assertThat(status).isNotNull();
              assertThat(status.get("active").asBoolean()).isTrue();
            });
  }

  private static Status closedWith(KdsClientSession session) throws Exception {
    return session.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void aRevokedTokenClosesTheOpenStreamAndIsRefusedAfterwards() throws Exception {
    ZoneTokenIssuer.Issued issued = token("zone-1", Duration.ofHours(1));
    TokenZone zone = zone("zone-1", issued.token(), "zone-1-a");
    KdsClientSession session = zone.connect();
    awaitOnline("zone-1", session);

    HttpResponse<String> revoke =
        send("POST", "/tokens/zone/revocations", "{\"id\": \"" + issued.id() + "\"}");
    assertThat(revoke.statusCode()).as(revoke.body()).isEqualTo(200);

    Status closed = closedWith(session);
    assertThat(closed.getCode())
        .as(TokenZone.describe(closed))
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(closed.getDescription()).contains(issued.id()).contains("revoked");
    Status again = closedWith(zone.connect());
    assertThat(again.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(again.getDescription()).contains("revoked");
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(zoneStatus("zone-1").get("active").asBoolean()).isFalse());
    assertThat(zoneStatus("zone-1").get("status").asText()).isEqualTo("Offline");
  }

  @Test
  void anExpiringTokenClosesTheOpenStreamWhenItExpires() throws Exception {
    ZoneTokenIssuer.Issued issued = token("zone-1", Duration.ofSeconds(3));
    KdsClientSession session = zone("zone-1", issued.token(), "zone-1-a").connect();
    awaitOnline("zone-1", session);

    Status closed = closedWith(session);
    assertThat(closed.getCode())
        .as(TokenZone.describe(closed))
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(closed.getDescription()).contains("expired at " + issued.expiry());
  }

  @Test
  void aDisabledZoneIsClosedThenRefusedAndShownDisabled() throws Exception {
    TokenZone zone = zone("zone-1", token("zone-1", Duration.ofHours(1)).token(), "zone-1-a");
    KdsClientSession session = zone.connect();
    awaitOnline("zone-1", session);

    ResourceKey key = ResourceKey.global(StandardTypes.ZONE, "zone-1");
    Resource current = store.get(key).join().orElseThrow();
    store.update(new Resource(key, Meta.EMPTY, new ZoneSpec(false)), current.version()).join();

    Status closed = closedWith(session);
    assertThat(closed.getCode())
        .as(TokenZone.describe(closed))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(closed.getDescription())
        .contains("zone 'zone-1' is disabled")
        .contains("enabled: true");
    Status again = closedWith(zone.connect());
    assertThat(again.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(zoneStatus("zone-1").get("status").asText()).isEqualTo("Disabled"));
  }

  @Test
  void aDeletedZoneIsDisconnectedAndRegisteredAgainOnReconnect() throws Exception {
    TokenZone zone = zone("zone-1", token("zone-1", Duration.ofHours(1)).token(), "zone-1-a");
    KdsClientSession session = zone.connect();
    awaitOnline("zone-1", session);

    ResourceKey key = ResourceKey.global(StandardTypes.ZONE, "zone-1");
    store.delete(key, store.get(key).join().orElseThrow().version()).join();

    Status closed = closedWith(session);
    assertThat(closed.getCode()).as(TokenZone.describe(closed)).isEqualTo(Status.Code.ABORTED);
    assertThat(closed.getDescription()).contains("Zone 'zone-1' was deleted");
    KdsClientSession again = zone.connect();
    awaitOnline("zone-1", again);
    assertThat(store.get(key).join()).isPresent();
  }

  @Test
  void aSecondInstanceOfAZoneIsRefusedWhileTheFirstLivesAndTakesOverWhenItDies() throws Exception {
    TokenZone first = zone("zone-1", token("zone-1", Duration.ofHours(1)).token(), "zone-1-a");
    KdsClientSession firstSession = first.connect();
    awaitOnline("zone-1", firstSession);
    TokenZone second = zone("zone-1", token("zone-1", Duration.ofHours(1)).token(), "zone-1-b");

    for (int i = 0; i < 3; i++) { // the first one keeps its stream, attempt after attempt
      Status refused = closedWith(second.connect());
      assertThat(refused.getCode())
          .as(TokenZone.describe(refused))
          .isEqualTo(Status.Code.ALREADY_EXISTS);
      assertThat(refused.getDescription()).contains("'zone-1-a'").contains("'zone-1-b'");
      assertThat(firstSession.closed()).isNotDone();
    }

    first.kill();
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              KdsClientSession s = second.connect();
              try {
                s.closed().get(1, TimeUnit.SECONDS);
                return false; // still refused: try again
              } catch (java.util.concurrent.TimeoutException stillOpen) {
                closeables.add(0, s);
                return true;
              }
            });
    assertThat(firstSession.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS).getCode())
        .isNotEqualTo(Status.Code.OK);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              List<String> instances = new ArrayList<>();
              for (JsonNode sub :
                  json.readTree(send("GET", "/zones+insights/zone-1", null).body())
                      .path("zoneInsight")
                      .path("subscriptions")) {
                instances.add(sub.path("zoneInstanceId").asText());
              }
              assertThat(instances).containsExactlyInAnyOrder("zone-1-a", "zone-1-b");
            });
  }

  @Test
  void rotatedKeysOverlapThenTheOldKeysTokensAreClosed() throws Exception {
    ZoneTokenIssuer.Issued old = token("zone-1", Duration.ofHours(1));
    KdsClientSession oldSession = zone("zone-1", old.token(), "zone-1-a").connect();
    awaitOnline("zone-1", oldSession);

    HttpResponse<String> rotated = send("POST", "/tokens/zone/signing-keys", "{}");
    assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(201);
    assertThat(json.readTree(rotated.body()).get("signer").asText()).isEqualTo("2");
    HttpResponse<String> minted =
        send("POST", ZoneTokenEndpoint.PATH, "{\"zone\": \"zone-2\", \"validFor\": \"1h\"}");
    assertThat(minted.headers().firstValue(ZoneTokenEndpoint.KEY_ID_HEADER)).hasValue("2");
    String newId = minted.headers().firstValue(ZoneTokenEndpoint.TOKEN_ID_HEADER).orElseThrow();
    KdsClientSession newSession = zone("zone-2", minted.body(), "zone-2-a").connect();
    awaitOnline("zone-2", newSession);
    assertThat(oldSession.closed()).isNotDone(); // overlap: both keys verify

    assertThat(send("DELETE", "/tokens/zone/signing-keys/2", null).statusCode()).isEqualTo(400);
    assertThat(send("DELETE", "/tokens/zone/signing-keys/1", null).statusCode()).isEqualTo(200);

    Status closed = closedWith(oldSession);
    assertThat(closed.getCode())
        .as(TokenZone.describe(closed))
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(closed.getDescription()).contains("key '1'").contains("removed");
    assertThat(newSession.closed()).isNotDone();
    assertThat(newId).isNotBlank();
    assertThat(
            store
                .get(
                    ResourceKey.global(
                        StandardTypes.GLOBAL_SECRET, "zone-token-signing-public-key-2"))
                .join())
        .isPresent();
  }

  @Test
  void idleConnectionsBeyondTheCapAreClosedAtOnceAndTheRestAtTheDeadline() throws Exception {
    List<Socket> idle = new ArrayList<>();
    try {
      for (int i = 0; i < 3 * MAX_PENDING; i++) {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), global.kdsPort());
        s.setSoTimeout(100);
        idle.add(s);
      }
      // Beyond the cap, connections are closed as soon as they are accepted.
      await()
          .atMost(Duration.ofSeconds(1))
          .untilAsserted(
              () -> assertThat(closedByServer(idle)).isGreaterThanOrEqualTo(2 * MAX_PENDING));
      // The rest are closed at the authentication deadline.
      await()
          .atMost(AUTH_DEADLINE.plusSeconds(3))
          .untilAsserted(() -> assertThat(closedByServer(idle)).isEqualTo(idle.size()));
      KdsClientSession session =
          zone("zone-1", token("zone-1", Duration.ofHours(1)).token(), "zone-1-a").connect();
      awaitOnline("zone-1", session);
      // An authenticated connection is not pending: it outlives the deadline.
      await()
          .during(AUTH_DEADLINE.plusMillis(500))
          .atMost(AUTH_DEADLINE.plusSeconds(2))
          .until(() -> !session.closed().isDone());
    } finally {
      for (Socket s : idle) {
        s.close();
      }
    }
  }

  /** How many of {@code sockets} the server closed (a read sees end of stream or a reset). */
  private static int closedByServer(List<Socket> sockets) {
    int closed = 0;
    for (Socket s : sockets) {
      try {
        InputStream in = s.getInputStream();
        if (in.read() < 0) {
          closed++;
        }
      } catch (SocketTimeoutException stillOpen) {
        // open and silent
      } catch (IOException reset) {
        closed++;
      }
    }
    return closed;
  }
}

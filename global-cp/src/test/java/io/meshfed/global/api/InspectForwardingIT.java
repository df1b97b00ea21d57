package io.meshfed.global.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.meshfed.api.ApiServer;
import io.meshfed.global.kds.InspectRelay;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.ha.Coordination;
import io.meshfed.store.ha.LeaderElector;
import io.meshfed.store.ha.LeasedKeys;
import io.meshfed.store.ha.LocalCoordination;
import io.meshfed.store.memory.MemoryResourceStore;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Inspect requests through a global replica that does not hold the zone's stream: replica A (a real
 * API server, the zone on its in-process {@code InspectRelay}) and replica B (a real API server, no
 * stream) share the store and the coordination keys ({@code zone-streams}, {@code instances}); B
 * hands the GET to A and answers what A answered. One hop at most; 503 when no replica holds the
 * zone or the holder does not answer.
 */
class InspectForwardingIT {
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final InspectZoneFixture fixture = new InspectZoneFixture();
  private final ResourceCodec codec = fixture.codec;
  private final MemoryResourceStore store = fixture.store;
  private final InspectRelay relay = fixture.relay;
  private ApiServer api;
  private ApiServer replicaB;
  private final LocalCoordination keys = new LocalCoordination("global-a");
  private final InspectRelay relayB = fixture.newRelay();

  @BeforeEach
  void start() throws Exception {
    fixture.start();
    api = fixture.api(new RemoteInspectEndpoints(store, relay, codec.jsonMapper()));
    keys.keys("zone-streams")
        .put(
            "zone-1",
            "{\"globalInstance\":\"global-a\",\"zoneInstance\":\"z1\",\"since\":\"2026-01-01T00:00:00Z\"}")
        .join();
    register("global-a", "http://127.0.0.1:" + api.port());
    replicaB =
        fixture.api(
            new RemoteInspectEndpoints(
                store,
                relayB,
                codec.jsonMapper(),
                2,
                new InspectForwarder(new Replica("global-b", keys), http, Duration.ofSeconds(2))));
  }

  private void register(String instance, String apiUrl) {
    keys.keys("instances")
        .put(
            instance,
            "{\"role\":\"global\",\"zone\":\"\",\"apiUrl\":\""
                + apiUrl
                + "\",\"kdsUrl\":\"\",\"xdsUrl\":\"\"}")
        .join();
  }

  /** Another process's view of the same leased keys. */
  private record Replica(String instanceId, Coordination shared) implements Coordination {
    @Override
    public LeaderElector elector(String role) {
      return shared.elector(role);
    }

    @Override
    public LeasedKeys keys(String namespace) {
      return shared.keys(namespace);
    }

    @Override
    public void close() {}
  }

  @AfterEach
  void stop() throws Exception {
    if (api != null) {
      api.close();
    }
    if (replicaB != null) {
      replicaB.close();
    }
    fixture.close();
  }

  private HttpResponse<String> get(ApiServer api, String dataplane, String view, String... headers)
      throws Exception {
    HttpRequest.Builder r =
        HttpRequest.newBuilder(
                URI.create(
                    "http://127.0.0.1:"
                        + api.port()
                        + "/meshes/default/dataplanes/"
                        + dataplane
                        + "/"
                        + view))
            .timeout(Duration.ofSeconds(30));
    if (headers.length > 0) {
      r.headers(headers);
    }
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theReplicaWithoutTheStreamAnswersWhatTheZoneAnswered() throws Exception {
    assertThat(relayB.connected("zone-1")).isFalse();

    HttpResponse<String> ok = get(replicaB, "zone-1.web-1", "xds");
    HttpResponse<String> gone = get(replicaB, "zone-1.gone", "policies");

    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(json.readTree(ok.body()))
        .isEqualTo(json.readTree("{\"kind\":\"SidecarDataplane\",\"view\":\"xds\"}"));
    assertThat(gone.statusCode()).as(gone.body()).isEqualTo(404);
    assertThat(json.readTree(gone.body()).get("detail").asText())
        .isEqualTo("Dataplane 'gone' not found in mesh 'default' of this zone");
  }

  @Test
  void theCallersCredentialsGoAlongWithTheReplicaThatForwarded() throws Exception {
    List<List<String>> seen = new CopyOnWriteArrayList<>();
    HttpServer owner = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    owner.createContext(
        "/",
        exchange -> {
          seen.add(
              List.of(
                  String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")),
                  String.valueOf(
                      exchange.getRequestHeaders().getFirst(InspectForwarder.FORWARDED_BY))));
          byte[] body = "{\"from\":\"owner\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    owner.start();
    try {
      register("global-a", "http://127.0.0.1:" + owner.getAddress().getPort());

      HttpResponse<String> r =
          get(replicaB, "zone-1.web-1", "policies", "Authorization", "Bearer user-token");

      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(json.readTree(r.body()).get("from").asText()).isEqualTo("owner");
      assertThat(seen).containsExactly(List.of("Bearer user-token", "global-b"));
    } finally {
      owner.stop(0);
    }
  }

  @Test
  void aForwardedRequestIsNotForwardedAgain() throws Exception {
    HttpResponse<String> r =
        get(replicaB, "zone-1.web-1", "xds", InspectForwarder.FORWARDED_BY, "global-c");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
    assertThat(r.body()).contains("zone 'zone-1'").contains("forwarded at most once");
  }

  @Test
  void noReplicaHoldingTheZoneIs503() throws Exception {
    keys.keys("zone-streams").put("zone-1", "{}").join();

    HttpResponse<String> r = get(replicaB, "zone-1.web-1", "xds");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
    assertThat(r.body()).contains("zone 'zone-1' is not connected to any global replica");
  }

  @Test
  void anOwnerThatDoesNotAnswerIs503NamingIt() throws Exception {
    int closed;
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    register("global-a", "http://127.0.0.1:" + closed);

    HttpResponse<String> r = get(replicaB, "zone-1.web-1", "xds");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
    assertThat(r.body()).contains("global replica global-a").contains("did not answer");
  }
}

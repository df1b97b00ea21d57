package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.meshfed.api.ApiException;
import io.meshfed.api.ApiResponse;
import io.meshfed.api.ReplicaHop;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DataplaneInsightSpec;
import io.meshfed.model.spec.DiscoverySubscription;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.store.ha.LocalCoordination;
import io.meshfed.store.memory.MemoryResourceStore;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The forwarding decision of a zone replica: owner local, remote, dead, and no second hop. */
class ProxyStreamForwarderTest {
  static final String PATH = "/meshes/default/dataplanes/web/xds";
  static final ApiException NOT_HERE = ApiException.notFound("not here");

  final MemoryResourceStore store = new MemoryResourceStore();
  final LocalCoordination coordination = new LocalCoordination("a");
  final ConcurrentLinkedQueue<Map<String, String>> seen = new ConcurrentLinkedQueue<>();
  HttpServer replicaB;
  ProxyStreamForwarder forwarder;

  @BeforeEach
  void start() throws Exception {
    replicaB = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    replicaB.createContext(
        "/",
        exchange -> {
          seen.add(
              Map.of(
                  "path", exchange.getRequestURI().getPath(),
                  "forwardedBy",
                      String.valueOf(
                          exchange.getRequestHeaders().getFirst(ReplicaHop.FORWARDED_BY)),
                  "authorization",
                      String.valueOf(exchange.getRequestHeaders().getFirst("Authorization"))));
          byte[] body = "{\"from\":\"b\"}".getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    replicaB.start();
    forwarder =
        new ProxyStreamForwarder(
            "zone-1",
            "a",
            store,
            coordination.keys("instances"),
            ReplicaHop.withTimeout(Duration.ofSeconds(2)),
            path -> "signed-by-a:" + path);
  }

  @AfterEach
  void stop() {
    replicaB.stop(0);
    coordination.close();
    store.close();
  }

  void connectedTo(String instance) {
    store
        .create(
            new Resource(
                ResourceKey.global(StandardTypes.MESH, "default"),
                Meta.EMPTY,
                MeshSpec.ofMtls(null)))
        .join();
    DataplaneInsightSpec spec =
        new DataplaneInsightSpec(
            List.of(
                new DiscoverySubscription(
                    "s1", instance, Instant.parse("2026-01-01T00:00:00Z"), null, null, null, 1L)),
            null,
            Map.of());
    store
        .create(
            new Resource(
                ResourceKey.inMesh(StandardTypes.DATAPLANE_INSIGHT, "default", "web"),
                Meta.EMPTY,
                spec))
        .join();
  }

  void register(String instance, String apiUrl) {
    coordination.keys("instances").put(instance, "{\"apiUrl\":\"" + apiUrl + "\"}").join();
  }

  ApiResponse forward(ProxyStreamForwarder.Asked asked) throws Exception {
    return forwarder.forward(asked, "default", "web", NOT_HERE);
  }

  @Test
  void remoteOwnerAnswersThroughOneHopSignedByThisReplica() throws Exception {
    connectedTo("b");
    register("b", "http://127.0.0.1:" + replicaB.getAddress().getPort());

    ApiResponse answer = forward(ProxyStreamForwarder.Asked.relayed(PATH));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(new String(answer.raw(), StandardCharsets.UTF_8)).isEqualTo("{\"from\":\"b\"}");
    assertThat(seen)
        .containsExactly(
            Map.of(
                "path", PATH, "forwardedBy", "a", "authorization", "Bearer signed-by-a:" + PATH));
  }

  @Test
  void theCallersAuthorizationGoesAlongWhenItSentOne() throws Exception {
    connectedTo("b");
    register("b", "http://127.0.0.1:" + replicaB.getAddress().getPort());

    forward(
        new ProxyStreamForwarder.Asked(
            PATH, Map.of(), Optional.of("Bearer user-token"), Optional.empty()));

    assertThat(seen).extracting(m -> m.get("authorization")).containsExactly("Bearer user-token");
  }

  @Test
  void aForwardedRequestIsNeverForwardedAgain() {
    connectedTo("b");
    register("b", "http://127.0.0.1:" + replicaB.getAddress().getPort());

    assertThatThrownBy(
            () ->
                forward(
                    new ProxyStreamForwarder.Asked(
                        PATH, Map.of(), Optional.empty(), Optional.of("c"))))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(503);
              assertThat(e.detail()).contains("forwarded by c", "forwarded at most once");
            });
    assertThat(seen).isEmpty();
  }

  @Test
  void anOwnerThatIsNotLiveIs503() {
    connectedTo("b");

    assertThatThrownBy(() -> forward(ProxyStreamForwarder.Asked.relayed(PATH)))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(503);
              assertThat(e.detail()).contains("replica b", "not live");
            });
  }

  @Test
  void anOwnerThatDoesNotAnswerIs503() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    connectedTo("b");
    register("b", "http://127.0.0.1:" + closedPort);

    assertThatThrownBy(() -> forward(ProxyStreamForwarder.Asked.relayed(PATH)))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(503);
              assertThat(e.detail()).contains("replica b", "did not answer");
            });
  }

  @Test
  void noOwnerOrThisReplicaIsTheLocal404() {
    assertThatThrownBy(() -> forward(ProxyStreamForwarder.Asked.relayed(PATH))).isSameAs(NOT_HERE);
    connectedTo("a");
    assertThatThrownBy(() -> forward(ProxyStreamForwarder.Asked.relayed(PATH))).isSameAs(NOT_HERE);
    assertThat(seen).isEmpty();
  }
}

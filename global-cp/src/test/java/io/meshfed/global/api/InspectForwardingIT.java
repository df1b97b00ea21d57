package io.meshfed.global.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.sun.net.httpserver.HttpServer;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.meshfed.api.ApiServer;
import io.meshfed.api.IndexInfo;
import io.meshfed.global.kds.InspectRelay;
import io.meshfed.kds.KdsPeer;
import io.meshfed.kds.KdsSyncService;
import io.meshfed.kds.ZoneCaSigning;
import io.meshfed.kds.proto.InspectRequest;
import io.meshfed.kds.proto.InspectResponse;
import io.meshfed.kds.proto.KdsSyncServiceGrpc;
import io.meshfed.kds.store.StoreKdsSink;
import io.meshfed.model.ControlPlaneMode;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.Tags;
import io.meshfed.store.ha.Coordination;
import io.meshfed.store.ha.LeaderElector;
import io.meshfed.store.ha.LeasedKeys;
import io.meshfed.store.ha.LocalCoordination;
import io.meshfed.store.memory.MemoryResourceStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
  private static final Metadata.Key<String> ZONE =
      Metadata.Key.of("test-zone", Metadata.ASCII_STRING_MARSHALLER);

  private final ResourceCodec codec = new ResourceCodec(StandardTypes.registry());
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final MemoryResourceStore store = new MemoryResourceStore();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final InspectRelay relay =
      new InspectRelay(
          new InspectRelay.Limits(Duration.ofMillis(300), 4, 100),
          Clock.systemUTC(),
          scheduler,
          new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
  private Server server;
  private ManagedChannel channel;
  private ApiServer api;
  private ApiServer replicaB;
  private final LocalCoordination keys = new LocalCoordination("global-a");
  private final InspectRelay relayB =
      new InspectRelay(
          new InspectRelay.Limits(Duration.ofMillis(300), 4, 100),
          Clock.systemUTC(),
          scheduler,
          new io.micrometer.core.instrument.simple.SimpleMeterRegistry());

  /** The zone: answers by dataplane name. */
  private static final class Zone
      implements ClientResponseObserver<InspectResponse, InspectRequest> {
    private ClientCallStreamObserver<InspectResponse> out;

    @Override
    public void beforeStart(ClientCallStreamObserver<InspectResponse> requestStream) {
      out = requestStream;
    }

    @Override
    public synchronized void onNext(InspectRequest r) {
      InspectResponse.Builder answer = InspectResponse.newBuilder().setId(r.getId());
      switch (r.getName()) {
        case "web-1" ->
            out.onNext(
                answer
                    .setStatus(200)
                    .setBody(
                        ByteString.copyFromUtf8(
                            "{\"kind\":\"SidecarDataplane\",\"view\":\"" + r.getType() + "\"}"))
                    .build());
        case "big" ->
            out.onNext(
                answer.setStatus(200).setBody(ByteString.copyFromUtf8("1".repeat(101))).build());
        case "odd" -> out.onNext(answer.setStatus(302).setTitle("Found").build());
        case "gone" ->
            out.onNext(
                answer
                    .setStatus(404)
                    .setTitle("Not Found")
                    .setDetail("Dataplane 'gone' not found in mesh 'default' of this zone")
                    .build());
        default -> {} // "slow": never answers
      }
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }

  @BeforeEach
  void start() throws Exception {
    store.create(codec.decodeOne("type: Mesh\nname: default\n")).join();
    for (String name : new String[] {"web-1", "big", "gone", "slow", "odd"}) {
      Resource wire =
          codec.decodeOne(
              """
              type: Dataplane
              mesh: default
              name: %s
              networking:
                address: 10.0.0.1
                inbound: [{port: 8080, tags: {kuma.io/service: web}}]
              """
                  .formatted(name));
      store
          .create(
              new Resource(
                  ResourceKey.inMesh(StandardTypes.DATAPLANE, "default", "zone-1." + name),
                  Meta.withLabels(
                      Map.of(
                          Tags.ZONE, "zone-1", Tags.ORIGIN, "zone", StoreKdsSink.NAME_LABEL, name)),
                  wire.spec()))
          .join();
    }
    String name = InProcessServerBuilder.generateName();
    ServerInterceptor identity =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            Context ctx = Context.current().withValue(KdsPeer.ZONE_NAME, headers.get(ZONE));
            return Contexts.interceptCall(ctx, call, headers, next);
          }
        };
    server =
        InProcessServerBuilder.forName(name)
            .addService(
                ServerInterceptors.intercept(
                    new KdsSyncService(null, null, ZoneCaSigning.UNAVAILABLE, relay), identity))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
    Metadata md = new Metadata();
    md.put(ZONE, "zone-1");
    KdsSyncServiceGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
        .inspectRelay(new Zone());
    await().atMost(Duration.ofSeconds(5)).until(() -> relay.connected("zone-1"));
    api = api(new RemoteInspectEndpoints(store, relay, codec.jsonMapper()));
    keys.keys("zone-streams")
        .put(
            "zone-1",
            "{\"globalInstance\":\"global-a\",\"zoneInstance\":\"z1\",\"since\":\"2026-01-01T00:00:00Z\"}")
        .join();
    register("global-a", "http://127.0.0.1:" + api.port());
    replicaB =
        api(
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

  private ApiServer api(RemoteInspectEndpoints endpoints) {
    return ApiServer.builder()
        .mode(ControlPlaneMode.GLOBAL)
        .bind("127.0.0.1", 0)
        .store(store)
        .codec(codec)
        .meterRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
        .index(IndexInfo.global("test", "global-test"))
        .clock(Clock.systemUTC())
        .routes(endpoints.routes())
        .build()
        .start();
  }

  @AfterEach
  void stop() throws Exception {
    if (api != null) {
      api.close();
    }
    if (replicaB != null) {
      replicaB.close();
    }
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    scheduler.shutdownNow();
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

package io.meshfed.global.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
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
import io.meshfed.store.memory.MemoryResourceStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Global's REST answers for relayed inspect requests, over a real API server and a zone played by
 * the test on an in-process {@code InspectRelay} stream: the zone's JSON and its errors pass
 * through; no answer in time is a 504 and an answer over the limit a 502, each naming the zone.
 */
class RemoteInspectStatusIT {
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
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    scheduler.shutdownNow();
  }

  private HttpResponse<String> get(String dataplane, String view) throws Exception {
    return get(api, dataplane, view);
  }

  private HttpResponse<String> get(ApiServer api, String dataplane, String view) throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create(
                    "http://127.0.0.1:"
                        + api.port()
                        + "/meshes/default/dataplanes/"
                        + dataplane
                        + "/"
                        + view))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theZonesJsonAndItsErrorsPassThrough() throws Exception {
    HttpResponse<String> ok = get("zone-1.web-1", "xds");
    HttpResponse<String> gone = get("zone-1.gone", "policies");

    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(json.readTree(ok.body()))
        .isEqualTo(json.readTree("{\"kind\":\"SidecarDataplane\",\"view\":\"xds\"}"));
    assertThat(gone.statusCode()).as(gone.body()).isEqualTo(404);
    assertThat(json.readTree(gone.body()).get("title").asText()).isEqualTo("Not Found");
    assertThat(json.readTree(gone.body()).get("detail").asText())
        .isEqualTo("Dataplane 'gone' not found in mesh 'default' of this zone");
  }

  @Test
  void aStatusTheZoneShouldNotAnswerIs502NamingTheZone() throws Exception {
    HttpResponse<String> r = get("zone-1.odd", "policies");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
    assertThat(r.body()).contains("zone 'zone-1' answered status 302");
  }

  @Test
  void pastTheLimitOfWaitingRequestsTheAnswerIs503AtOnce() throws Exception {
    try (ApiServer full = api(new RemoteInspectEndpoints(store, relay, codec.jsonMapper(), 0))) {
      HttpResponse<String> r = get(full, "zone-1.slow", "policies");

      // The zone never answers "slow": a relayed request would end in 504 after 300 ms.
      assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
      assertThat(r.headers().firstValue("Retry-After")).isPresent();
      assertThat(r.body()).contains("inspect answers from zones");
    }
  }

  @Test
  void noAnswerInTimeIs504NamingTheZone() throws Exception {
    HttpResponse<String> r = get("zone-1.slow", "policies");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(504);
    assertThat(r.body()).contains("zone 'zone-1' did not answer within 300 ms");
  }

  @Test
  void anAnswerOverTheLimitIs502NamingTheZone() throws Exception {
    HttpResponse<String> r = get("zone-1.big", "xds");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
    assertThat(r.body()).contains("zone 'zone-1' answered 101 bytes, more than the relay limit");
  }
}

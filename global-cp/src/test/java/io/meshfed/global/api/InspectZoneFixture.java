package io.meshfed.global.api;

import static org.awaitility.Awaitility.await;

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
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The set-up the inspect relay tests share: a memory store with mesh {@code default} and zone-1's
 * dataplanes {@code web-1}, {@code big}, {@code gone}, {@code slow} and {@code odd}, and zone-1,
 * played by the test, on an in-process {@code InspectRelay} stream of {@link #relay} (300 ms answer
 * timeout, 100-byte limit). The zone answers by dataplane name: {@code web-1} its JSON, {@code big}
 * 101 bytes, {@code odd} a 302, {@code gone} a 404, {@code slow} never.
 */
final class InspectZoneFixture implements AutoCloseable {
  private static final Metadata.Key<String> ZONE =
      Metadata.Key.of("test-zone", Metadata.ASCII_STRING_MARSHALLER);

  final ResourceCodec codec = new ResourceCodec(StandardTypes.registry());
  final MemoryResourceStore store = new MemoryResourceStore();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  final InspectRelay relay = newRelay();
  private Server server;
  private ManagedChannel channel;

  /** A relay with the fixture's limits and scheduler, no zone on it. */
  InspectRelay newRelay() {
    return new InspectRelay(
        new InspectRelay.Limits(Duration.ofMillis(300), 4, 100),
        Clock.systemUTC(),
        scheduler,
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
  }

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

  /** Writes the mesh and the dataplanes, then connects the zone to {@link #relay}. */
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
  }

  /** A started global API server on a free loopback port with {@code endpoints}' routes. */
  ApiServer api(RemoteInspectEndpoints endpoints) {
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

  /** Closes the zone's stream and the in-process server, then stops the scheduler. */
  @Override
  public void close() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    scheduler.shutdownNow();
  }
}

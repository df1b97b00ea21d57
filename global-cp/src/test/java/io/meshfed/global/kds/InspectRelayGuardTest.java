package io.meshfed.global.kds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.meshfed.kds.InspectViews;
import io.meshfed.kds.KdsHeaders;
import io.meshfed.kds.KdsPeer;
import io.meshfed.kds.KdsSyncService;
import io.meshfed.kds.ZoneCaSigning;
import io.meshfed.kds.proto.InspectRequest;
import io.meshfed.kds.proto.InspectResponse;
import io.meshfed.kds.proto.KdsSyncServiceGrpc;
import io.meshfed.store.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code InspectRelay} behind global's one-process-per-zone guard ({@link ZoneCallGuard}), as
 * {@link GlobalKdsServer} chains them: a second process of the zone is refused with {@code
 * ALREADY_EXISTS} while the first one's stream is live, which its keepalives (id 0) keep it; a
 * stream silent for the live window is taken over, and the relay then asks the new process.
 */
class InspectRelayGuardTest {
  private static final Metadata.Key<String> ZONE =
      Metadata.Key.of("test-zone", Metadata.ASCII_STRING_MARSHALLER);
  private static final Duration LIVE_WINDOW = Duration.ofSeconds(15);

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final InspectRelay relay =
      new InspectRelay(
          InspectRelay.Limits.DEFAULTS,
          clock,
          scheduler,
          new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
  private final ZoneCallGuard guard =
      new ZoneCallGuard(
          null,
          (zone, version, instance, config) -> {},
          new ZoneAccess(zone -> ZoneDirectory.State.ENABLED, null, clock),
          clock,
          LIVE_WINDOW,
          remote -> {});
  private final List<ManagedChannel> channels = new ArrayList<>();
  private Server server;
  private String name;

  @BeforeEach
  void start() throws Exception {
    name = InProcessServerBuilder.generateName();
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
            .directExecutor()
            .addService(
                ServerInterceptors.intercept(
                    new KdsSyncService(null, null, ZoneCaSigning.UNAVAILABLE, relay),
                    guard,
                    identity))
            .build()
            .start();
  }

  @AfterEach
  void stop() throws Exception {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    scheduler.shutdownNow();
  }

  /** One zone process's stream. */
  private final class ZoneProcess
      implements ClientResponseObserver<InspectResponse, InspectRequest> {
    final LinkedBlockingQueue<InspectRequest> asked = new LinkedBlockingQueue<>();
    final CompletableFuture<Status> ended = new CompletableFuture<>();
    private ClientCallStreamObserver<InspectResponse> out;

    ZoneProcess(String instance) {
      Metadata md = new Metadata();
      md.put(ZONE, "zone-1");
      md.put(KdsHeaders.INSTANCE, instance);
      ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
      channels.add(channel);
      KdsSyncServiceGrpc.newStub(channel)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
          .inspectRelay(this);
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<InspectResponse> requestStream) {
      out = requestStream;
    }

    @Override
    public void onNext(InspectRequest value) {
      asked.add(value);
    }

    @Override
    public void onError(Throwable t) {
      ended.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      ended.complete(Status.OK);
    }

    synchronized void keepalive() {
      out.onNext(InspectResponse.newBuilder().setId(0).build());
    }
  }

  @Test
  void aSecondProcessIsRefusedWhileKeepalivesKeepTheFirstLive() throws Exception {
    ZoneProcess first = new ZoneProcess("zone-1-a");
    clock.advance(Duration.ofSeconds(10));
    first.keepalive();
    clock.advance(Duration.ofSeconds(10)); // 20 s after opening, 10 s after its keepalive

    ZoneProcess second = new ZoneProcess("zone-1-b");

    Status refused = second.ended.get(5, TimeUnit.SECONDS);
    assertThat(refused.getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(refused.getDescription()).contains("instance 'zone-1-a'");
    relay.ask("zone-1", InspectViews.POLICIES, "default", "web-1");
    assertThat(first.asked.poll(5, TimeUnit.SECONDS)).isNotNull();
    assertThat(first.ended).isNotDone();
  }

  @Test
  void aStreamSilentForTheLiveWindowIsTakenOverAndTheRelayAsksTheNewProcess() throws Exception {
    ZoneProcess first = new ZoneProcess("zone-1-a");
    clock.advance(LIVE_WINDOW);

    ZoneProcess second = new ZoneProcess("zone-1-b");

    assertThat(first.ended.get(5, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.ABORTED);
    await().atMost(Duration.ofSeconds(5)).until(() -> relay.connected("zone-1"));
    relay.ask("zone-1", InspectViews.POLICIES, "default", "web-1");
    assertThat(second.asked.poll(5, TimeUnit.SECONDS)).isNotNull();
    assertThat(first.asked).isEmpty();
  }
}

package io.meshfed.global.kds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.meshfed.global.kds.InspectRelayException.Reason;
import io.meshfed.kds.InspectViews;
import io.meshfed.kds.KdsPeer;
import io.meshfed.kds.KdsSyncService;
import io.meshfed.kds.ZoneCaSigning;
import io.meshfed.kds.proto.InspectRequest;
import io.meshfed.kds.proto.InspectResponse;
import io.meshfed.kds.proto.KdsSyncServiceGrpc;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Global's half of {@code InspectRelay} over an in-process gRPC server running the KDS service: the
 * test plays the zone, opening the stream and answering (or not) the requests global sends.
 */
class InspectRelayTest {
  private static final Metadata.Key<String> ZONE =
      Metadata.Key.of("test-zone", Metadata.ASCII_STRING_MARSHALLER);
  private static final Duration TIMEOUT = Duration.ofMillis(400);
  private static final int MAX_IN_FLIGHT = 2;
  private static final int MAX_BODY = 1000;

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final InspectRelay relay =
      new InspectRelay(
          new InspectRelay.Limits(TIMEOUT, MAX_IN_FLIGHT, MAX_BODY),
          Clock.systemUTC(),
          scheduler,
          meters);
  private final List<ManagedChannel> channels = new ArrayList<>();
  private Server server;
  private String serverName;

  @BeforeEach
  void startServer() throws Exception {
    serverName = InProcessServerBuilder.generateName();
    ServerInterceptor zoneFromHeader =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            Context ctx = Context.current().withValue(KdsPeer.ZONE_NAME, headers.get(ZONE));
            return Contexts.interceptCall(ctx, call, headers, next);
          }
        };
    server =
        InProcessServerBuilder.forName(serverName)
            .directExecutor()
            .addService(
                ServerInterceptors.intercept(
                    new KdsSyncService(null, null, ZoneCaSigning.UNAVAILABLE, relay),
                    zoneFromHeader))
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

  /** A zone's end of the stream: what global asked, and a way to answer. */
  private final class FakeZone implements ClientResponseObserver<InspectResponse, InspectRequest> {
    final LinkedBlockingQueue<InspectRequest> asked = new LinkedBlockingQueue<>();
    final CompletableFuture<Status> ended = new CompletableFuture<>();
    private ClientCallStreamObserver<InspectResponse> out;

    FakeZone(String zone) {
      Metadata md = new Metadata();
      if (zone != null) {
        md.put(ZONE, zone);
      }
      ManagedChannel channel = InProcessChannelBuilder.forName(serverName).directExecutor().build();
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

    InspectRequest next() throws InterruptedException {
      InspectRequest r = asked.poll(5, TimeUnit.SECONDS);
      assertThat(r).as("a request from global").isNotNull();
      return r;
    }

    synchronized void answer(long id, int status, String body) {
      out.onNext(
          InspectResponse.newBuilder()
              .setId(id)
              .setStatus(status)
              .setBody(ByteString.copyFromUtf8(body))
              .build());
    }
  }

  private FakeZone connected(String zone) {
    FakeZone z = new FakeZone(zone);
    await().atMost(Duration.ofSeconds(5)).until(() -> relay.connected(zone));
    return z;
  }

  private static Reason reasonOf(CompletableFuture<InspectResponse> f) {
    try {
      f.get(5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(InspectRelayException.class);
      return ((InspectRelayException) e.getCause()).reason();
    } catch (Exception e) {
      throw new AssertionError("no failure within 5s", e);
    }
    throw new AssertionError("expected a failure, got an answer");
  }

  private static String messageOf(CompletableFuture<InspectResponse> f) {
    return f.handle((r, e) -> e.getCause() != null ? e.getCause().getMessage() : e.getMessage())
        .join();
  }

  @Test
  void answersAreMatchedToTheirRequestsById() throws Exception {
    FakeZone zone = connected("zone-1");
    CompletableFuture<InspectResponse> first =
        relay.ask("zone-1", InspectViews.POLICIES, "default", "web-1");
    CompletableFuture<InspectResponse> second =
        relay.ask("zone-1", InspectViews.XDS, "default", "backend-1");
    InspectRequest a = zone.next();
    InspectRequest b = zone.next();
    assertThat(List.of(a.getType(), a.getMesh(), a.getName()))
        .containsExactly("policies", "default", "web-1");
    assertThat(List.of(b.getType(), b.getName())).containsExactly("xds", "backend-1");

    zone.answer(b.getId(), 200, "{\"b\":1}");
    zone.answer(a.getId(), 404, "");

    assertThat(second.get(5, TimeUnit.SECONDS).getBody().toStringUtf8()).isEqualTo("{\"b\":1}");
    assertThat(first.get(5, TimeUnit.SECONDS).getStatus()).isEqualTo(404);
  }

  @Test
  void noAnswerWithinTheDeadlineFailsNamingTheZoneAndALateAnswerIsDropped() throws Exception {
    FakeZone zone = connected("zone-1");
    CompletableFuture<InspectResponse> slow =
        relay.ask("zone-1", InspectViews.POLICIES, "default", "web-1");
    InspectRequest asked = zone.next();

    assertThat(reasonOf(slow)).isEqualTo(Reason.TIMEOUT);
    assertThat(messageOf(slow)).contains("zone 'zone-1' did not answer within 400 ms");
    assertThat(outcomes("zone-1", "timeout")).isEqualTo(1.0);

    zone.answer(asked.getId(), 200, "{}"); // late: nobody waits for it
    CompletableFuture<InspectResponse> next =
        relay.ask("zone-1", InspectViews.POLICIES, "default", "web-1");
    zone.answer(zone.next().getId(), 200, "{\"fresh\":true}");
    assertThat(next.get(5, TimeUnit.SECONDS).getBody().toStringUtf8()).contains("fresh");
    assertThat(outcomes("zone-1", "answered")).isEqualTo(1.0);
  }

  private double outcomes(String zone, String outcome) {
    return meters
        .get("kds_inspect_requests_total")
        .tag("zone", zone)
        .tag("outcome", outcome)
        .counter()
        .count();
  }

  @Test
  void anAnswerWithAnUnknownIdIsDroppedAndTheRealOneStillArrives() throws Exception {
    FakeZone zone = connected("zone-1");
    CompletableFuture<InspectResponse> f =
        relay.ask("zone-1", InspectViews.XDS, "default", "web-1");
    InspectRequest asked = zone.next();

    zone.answer(asked.getId() + 1000, 200, "{\"wrong\":true}");
    zone.answer(0, 0, ""); // the zone's keepalive
    assertThat(f).isNotDone();
    zone.answer(asked.getId(), 200, "{\"right\":true}");

    assertThat(f.get(5, TimeUnit.SECONDS).getBody().toStringUtf8()).contains("right");
  }

  @Test
  void aDisconnectWhileAnsweringFailsThePendingRequestsAndTheZoneIsThenNotConnected()
      throws Exception {
    FakeZone zone = connected("zone-1");
    CompletableFuture<InspectResponse> pending =
        relay.ask("zone-1", InspectViews.POLICIES, "default", "web-1");
    zone.next();

    zone.out.cancel("zone stops", null);

    assertThat(reasonOf(pending)).isEqualTo(Reason.DISCONNECTED);
    assertThat(messageOf(pending)).contains("zone 'zone-1' disconnected before answering");
    await().atMost(Duration.ofSeconds(5)).until(() -> !relay.connected("zone-1"));
    CompletableFuture<InspectResponse> after =
        relay.ask("zone-1", InspectViews.POLICIES, "default", "web-1");
    assertThat(reasonOf(after)).isEqualTo(Reason.NOT_CONNECTED);
    assertThat(messageOf(after)).contains("zone 'zone-1' is not connected");
  }

  @Test
  void anAnswerLargerThanTheLimitIsRefused() throws Exception {
    FakeZone zone = connected("zone-1");
    CompletableFuture<InspectResponse> f =
        relay.ask("zone-1", InspectViews.XDS, "default", "web-1");

    zone.answer(zone.next().getId(), 200, "x".repeat(MAX_BODY + 1));

    assertThat(reasonOf(f)).isEqualTo(Reason.OVERSIZE);
    assertThat(messageOf(f)).contains("zone 'zone-1' answered 1001 bytes").contains("1000");
  }

  @Test
  void requestsBeyondTheInFlightLimitAreRefusedUntilOneIsAnswered() throws Exception {
    FakeZone zone = connected("zone-1");
    CompletableFuture<InspectResponse> a =
        relay.ask("zone-1", InspectViews.XDS, "default", "web-1");
    relay.ask("zone-1", InspectViews.XDS, "default", "web-2");

    CompletableFuture<InspectResponse> third =
        relay.ask("zone-1", InspectViews.XDS, "default", "web-3");
    assertThat(reasonOf(third)).isEqualTo(Reason.BUSY);
    assertThat(messageOf(third)).contains("zone 'zone-1' already has 2 inspect requests");

    zone.answer(zone.next().getId(), 200, "{}");
    a.get(5, TimeUnit.SECONDS);
    CompletableFuture<InspectResponse> fourth =
        relay.ask("zone-1", InspectViews.XDS, "default", "web-4");
    assertThat(zone.next().getName()).isEqualTo("web-2");
    assertThat(zone.next().getName()).isEqualTo("web-4");
    assertThat(fourth).isNotDone();
  }

  @Test
  void aZoneWithoutAStreamIsNotConnected() {
    CompletableFuture<InspectResponse> f =
        relay.ask("zone-9", InspectViews.POLICIES, "default", "web-1");

    assertThat(reasonOf(f)).isEqualTo(Reason.NOT_CONNECTED);
    assertThat(messageOf(f)).contains("zone 'zone-9'");
    assertThat(outcomes("zone-9", "not_connected")).isEqualTo(1.0);
  }

  @Test
  void aNewerStreamOfTheZoneReplacesTheOlderOne() throws Exception {
    FakeZone old = connected("zone-1");
    CompletableFuture<InspectResponse> onOld =
        relay.ask("zone-1", InspectViews.POLICIES, "default", "web-1");
    old.next();

    FakeZone newer = new FakeZone("zone-1");
    assertThat(reasonOf(onOld)).isEqualTo(Reason.DISCONNECTED);
    assertThat(old.ended.get(5, TimeUnit.SECONDS).isOk()).isTrue();

    CompletableFuture<InspectResponse> onNew =
        relay.ask("zone-1", InspectViews.POLICIES, "default", "web-1");
    newer.answer(newer.next().getId(), 200, "{}");
    assertThat(onNew.get(5, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
    assertThat(old.asked).isEmpty();
  }

  @Test
  void aStreamWithoutAVerifiedZoneIsRefused() throws Exception {
    FakeZone anonymous = new FakeZone(null);

    assertThat(anonymous.ended.get(5, TimeUnit.SECONDS).getCode())
        .isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  @Test
  void anUnknownViewIsAProgrammingError() {
    assertThatThrownBy(() -> relay.ask("zone-1", "stats", "default", "web-1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'stats'");
  }
}

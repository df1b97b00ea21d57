package io.meshfed.zone.kds;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.meshfed.api.ApiException;
import io.meshfed.api.ApiResponse;
import io.meshfed.kds.Backoff;
import io.meshfed.kds.InspectViews;
import io.meshfed.kds.proto.InspectRequest;
import io.meshfed.kds.proto.InspectResponse;
import io.meshfed.kds.proto.KdsSyncServiceGrpc;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The zone's half of {@code InspectRelay} against an in-process gRPC server playing global: it
 * opens the stream, answers with the zone's views (status, title and detail of their errors),
 * refuses what is too large or too many, and reopens the stream when global ends it.
 */
class InspectResponderTest {
  private static final int MAX_BODY = 200;

  private final ObjectMapper json = new ObjectMapper();
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final LinkedBlockingQueue<GlobalEnd> streams = new LinkedBlockingQueue<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private Server server;
  private ManagedChannel channel;
  private InspectResponder responder;

  /** Global's end of one stream. */
  private static final class GlobalEnd implements StreamObserver<InspectResponse> {
    final StreamObserver<InspectRequest> requests;
    final LinkedBlockingQueue<InspectResponse> answers = new LinkedBlockingQueue<>();
    final CompletableFuture<Void> ended = new CompletableFuture<>();
    final java.util.concurrent.atomic.AtomicInteger keepalives =
        new java.util.concurrent.atomic.AtomicInteger();

    GlobalEnd(StreamObserver<InspectRequest> requests) {
      this.requests = requests;
    }

    synchronized void ask(long id, String type, String name) {
      requests.onNext(
          InspectRequest.newBuilder()
              .setId(id)
              .setType(type)
              .setMesh("default")
              .setName(name)
              .build());
    }

    InspectResponse answer() throws InterruptedException {
      while (true) {
        InspectResponse r = answers.poll(5, TimeUnit.SECONDS);
        assertThat(r).as("an answer from the zone").isNotNull();
        if (r.getId() != 0) {
          return r;
        }
        keepalives.incrementAndGet();
      }
    }

    @Override
    public void onNext(InspectResponse value) {
      answers.add(value);
    }

    @Override
    public void onError(Throwable t) {
      ended.complete(null);
    }

    @Override
    public void onCompleted() {
      ended.complete(null);
    }
  }

  /** The zone API's views, as the test wants them. */
  private ApiResponse view(String type, String mesh, String name) throws Exception {
    switch (name) {
      case "web-1":
        return ApiResponse.json(
            200,
            JsonNodeFactory.instance
                .objectNode()
                .put("kind", "SidecarDataplane")
                .put("type", type)
                .put("mesh", mesh));
      case "big":
        return ApiResponse.json(
            200, JsonNodeFactory.instance.objectNode().put("x", "y".repeat(MAX_BODY)));
      case "boom":
        throw new IllegalStateException("secret internals");
      case "slow":
        release.await(10, TimeUnit.SECONDS);
        return ApiResponse.json(200, JsonNodeFactory.instance.objectNode());
      default:
        throw ApiException.notFound("Dataplane '" + name + "' not found in mesh '" + mesh + "'");
    }
  }

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .addService(
                new KdsSyncServiceGrpc.KdsSyncServiceImplBase() {
                  @Override
                  public StreamObserver<InspectResponse> inspectRelay(
                      StreamObserver<InspectRequest> requests) {
                    GlobalEnd end = new GlobalEnd(requests);
                    streams.add(end);
                    return end;
                  }
                })
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
    responder =
        new InspectResponder(
                "zone-1",
                () -> CompletableFuture.<Channel>completedFuture(channel),
                this::view,
                json,
                Clock.systemUTC(),
                executor,
                scheduler,
                Duration.ofMillis(50),
                new Backoff(
                    Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofSeconds(1), () -> 0.5),
                MAX_BODY)
            .start();
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    responder.close();
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    scheduler.shutdownNow();
    executor.shutdownNow();
  }

  private GlobalEnd stream() throws InterruptedException {
    GlobalEnd end = streams.poll(5, TimeUnit.SECONDS);
    assertThat(end).as("a stream opened by the zone").isNotNull();
    return end;
  }

  @Test
  void answersWithTheViewsJsonOrTheStatusTitleAndDetailOfItsError() throws Exception {
    GlobalEnd global = stream();

    global.ask(7, InspectViews.POLICIES, "web-1");
    InspectResponse ok = global.answer();
    global.ask(8, InspectViews.XDS, "nope");
    InspectResponse missing = global.answer();

    assertThat(ok.getId()).isEqualTo(7);
    assertThat(ok.getStatus()).isEqualTo(200);
    assertThat(json.readTree(ok.getBody().toByteArray()))
        .isEqualTo(
            json.readTree(
                "{\"kind\":\"SidecarDataplane\",\"type\":\"policies\",\"mesh\":\"default\"}"));
    assertThat(missing.getId()).isEqualTo(8);
    assertThat(missing.getStatus()).isEqualTo(404);
    assertThat(missing.getTitle()).isEqualTo("Not Found");
    assertThat(missing.getDetail()).isEqualTo("Dataplane 'nope' not found in mesh 'default'");
    assertThat(missing.getBody().isEmpty()).isTrue();
  }

  @Test
  void aViewLargerThanTheLimitIsNotSent() throws Exception {
    GlobalEnd global = stream();

    global.ask(1, InspectViews.XDS, "big");
    InspectResponse r = global.answer();

    assertThat(r.getStatus()).isEqualTo(502);
    assertThat(r.getBody().isEmpty()).isTrue();
    assertThat(r.getDetail())
        .contains("dataplane 'big' in zone 'zone-1'")
        .contains("more than the relay limit of 200 bytes");
  }

  @Test
  void anUnknownViewIs400AndAnUnexpectedFailureA500WithoutItsDetails() throws Exception {
    GlobalEnd global = stream();

    global.ask(1, "stats", "web-1");
    InspectResponse unknown = global.answer();
    global.ask(2, InspectViews.POLICIES, "boom");
    InspectResponse failed = global.answer();

    assertThat(unknown.getStatus()).isEqualTo(400);
    assertThat(unknown.getDetail()).contains("inspect view 'stats' is not supported yet");
    assertThat(failed.getStatus()).isEqualTo(500);
    assertThat(failed.getDetail()).contains("zone 'zone-1'").doesNotContain("secret internals");
  }

  @Test
  void requestsBeyondTheInFlightLimitGet503AtOnce() throws Exception {
    GlobalEnd global = stream();
    for (int i = 1; i <= 16; i++) {
      global.ask(i, InspectViews.XDS, "slow");
    }

    global.ask(17, InspectViews.XDS, "slow");
    InspectResponse refused = global.answer();

    assertThat(refused.getId()).isEqualTo(17);
    assertThat(refused.getStatus()).isEqualTo(503);
    assertThat(refused.getDetail()).contains("zone 'zone-1' is answering 16 inspect requests");
    release.countDown();
    Set<Long> answered = new HashSet<>();
    for (int i = 1; i <= 16; i++) {
      answered.add(global.answer().getId());
    }
    assertThat(answered).hasSize(16);
  }

  @Test
  void aKeepaliveWithIdZeroGoesWhileTheStreamIsIdle() throws Exception {
    GlobalEnd global = stream();

    InspectResponse first = global.answers.poll(5, TimeUnit.SECONDS);
    InspectResponse second = global.answers.poll(5, TimeUnit.SECONDS);

    assertThat(first).isEqualTo(InspectResponse.getDefaultInstance());
    assertThat(second).isEqualTo(InspectResponse.getDefaultInstance());
  }

  @Test
  void aStreamGlobalEndsIsReopenedAndClosingStopsIt() throws Exception {
    GlobalEnd first = stream();
    first.requests.onCompleted();

    GlobalEnd second = stream();
    second.ask(1, InspectViews.POLICIES, "web-1");
    assertThat(second.answer().getStatus()).isEqualTo(200);

    responder.close();
    assertThat(second.ended).succeedsWithin(Duration.ofSeconds(5));
    assertThat(streams.poll(300, TimeUnit.MILLISECONDS)).as("no stream after close").isNull();
  }

  @Test
  void aRequestTheZoneCannotRunAnyMoreIsAnswered503AtOnce() throws Exception {
    GlobalEnd global = stream();
    executor.shutdown(); // as when the zone is stopping: new tasks are rejected

    global.ask(7, "policies", "web-1");
    InspectResponse r = global.answer();

    assertThat(r.getId()).isEqualTo(7);
    assertThat(r.getStatus()).isEqualTo(503);
    assertThat(r.getDetail()).contains("zone 'zone-1' is stopping");
  }
}

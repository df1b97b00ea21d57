package io.meshfed.global.kds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.meshfed.kds.KdsHeaders;
import io.meshfed.kds.KdsPeer;
import io.meshfed.store.MutableClock;
import io.meshfed.store.ha.LeasedKeys;
import io.meshfed.store.ha.LocalCoordination;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One live instance per zone, with time driven by a fake clock, over in-process gRPC. */
class ZoneCallGuardTest {
  private static final Duration LIVE_WINDOW = Duration.ofSeconds(15);
  private static final Metadata.Key<String> ZONE =
      Metadata.Key.of("x-test-zone", Metadata.ASCII_STRING_MARSHALLER);
  private static final MethodDescriptor.Marshaller<String> TEXT =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        }
      };
  private static final MethodDescriptor<String, String> SYNC =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName("test.Kds/GlobalToZoneSync")
          .setRequestMarshaller(TEXT)
          .setResponseMarshaller(TEXT)
          .build();

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

  /** The config each admitted GlobalToZoneSync handshake reported ("null" when none). */
  private final List<String> configs = new CopyOnWriteArrayList<>();

  /** The zone stream keys two global replicas share (one etcd). */
  private final LeasedKeys sharedKeys = new LocalCoordination("etcd").keys("zone-streams");

  private final ZoneCallGuard guard = guard("global-a");
  private Server server;
  private ManagedChannel channel;
  private Server serverB;
  private ManagedChannel channelB;

  private ZoneCallGuard guard(String globalInstance) {
    return new ZoneCallGuard(
        null,
        (zone, version, instance, config) -> configs.add(String.valueOf(config)),
        new ZoneAccess(zone -> ZoneDirectory.State.ENABLED, null, clock),
        clock,
        LIVE_WINDOW,
        remote -> {},
        new ZoneStreamClaims(sharedKeys, globalInstance, clock, Duration.ofSeconds(5)));
  }

  @BeforeEach
  void start() throws IOException {
    String name = InProcessServerBuilder.generateName();
    server = serve(name, guard);
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  /** A second global replica over the same keys. */
  private ZoneCallGuard startReplicaB() throws IOException {
    String name = InProcessServerBuilder.generateName();
    ZoneCallGuard b = guard("global-b");
    serverB = serve(name, b);
    channelB = InProcessChannelBuilder.forName(name).directExecutor().build();
    return b;
  }

  private Server serve(String name, ZoneCallGuard guard) throws IOException {
    ServerServiceDefinition echo =
        ServerServiceDefinition.builder("test.Kds")
            .addMethod(
                SYNC,
                ServerCalls.asyncBidiStreamingCall(
                    responses ->
                        new StreamObserver<String>() {
                          @Override
                          public void onNext(String value) {
                            responses.onNext(value);
                          }

                          @Override
                          public void onError(Throwable t) {}

                          @Override
                          public void onCompleted() {
                            responses.onCompleted();
                          }
                        }))
            .build();
    ServerInterceptor identity =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            Context ctx = Context.current().withValue(KdsPeer.ZONE_NAME, headers.get(ZONE));
            return Contexts.interceptCall(ctx, call, headers, next);
          }
        };
    return InProcessServerBuilder.forName(name)
        .directExecutor()
        .addService(ServerInterceptors.intercept(echo, guard, identity))
        .build()
        .start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (channelB != null) {
      channelB.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      serverB.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /** An open stream of zone-1 from {@code instance}; the future completes when it ends. */
  private final class Stream {
    final CompletableFuture<Status> ended = new CompletableFuture<>();
    final StreamObserver<String> requests;

    Stream(String instance) {
      this(instance, null);
    }

    Stream(String instance, String config) {
      this(channel, instance, config);
    }

    Stream(Channel target, String instance, String config) {
      Metadata headers = new Metadata();
      headers.put(ZONE, "zone-1");
      headers.put(KdsHeaders.INSTANCE, instance);
      if (config != null) {
        headers.put(KdsHeaders.CONFIG, config);
      }
      Channel c =
          ClientInterceptors.intercept(target, MetadataUtils.newAttachHeadersInterceptor(headers));
      requests =
          ClientCalls.asyncBidiStreamingCall(
              c.newCall(SYNC, CallOptions.DEFAULT),
              new StreamObserver<String>() {
                @Override
                public void onNext(String value) {}

                @Override
                public void onError(Throwable t) {
                  ended.complete(Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                  ended.complete(Status.OK);
                }
              });
      requests.onNext("hello");
    }
  }

  @Test
  void anotherInstanceIsRefusedWhileTheOpenStreamIsLiveAndTakesOverWhenItFallsSilent() {
    Stream first = new Stream("zone-1-a");
    clock.advance(Duration.ofSeconds(10));
    first.requests.onNext("heartbeat");
    clock.advance(Duration.ofSeconds(10)); // 20 s since the first call, 10 s since its heartbeat

    Stream refused = new Stream("zone-1-b");

    await().until(refused.ended::isDone);
    Status s = refused.ended.join();
    assertThat(s.getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(s.getDescription())
        .contains("zone 'zone-1' is already connected to global from instance 'zone-1-a'")
        .contains("this one ('zone-1-b')");
    assertThat(first.ended).isNotDone();

    clock.advance(Duration.ofSeconds(5)); // the first has been silent for the live window
    Stream takeover = new Stream("zone-1-b");

    await().until(first.ended::isDone);
    assertThat(first.ended.join().getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(first.ended.join().getDescription()).contains("instance 'zone-1-b'");
    assertThat(takeover.ended).isNotDone();
    assertThat(guard.openCalls()).isEqualTo(1);
  }

  @Test
  void anotherZoneInstanceIsRefusedOnAnotherReplicaWhileTheZoneIsServedByTheFirst()
      throws IOException {
    Stream onA = new Stream("zone-1-a");
    ZoneCallGuard b = startReplicaB();

    Stream onB = new Stream(channelB, "zone-1-b", null);

    await().until(onB.ended::isDone);
    Status s = onB.ended.join();
    assertThat(s.getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(s.getDescription())
        .contains("zone 'zone-1' is already connected to global replica global-a")
        .contains("from instance 'zone-1-a'");
    assertThat(onA.ended).isNotDone();
    assertThat(b.openCalls()).isZero();
    assertThat(guard.fence("zone-1")).isPresent();
    assertThat(b.fence("zone-1")).isEmpty();
  }

  @Test
  void theSameZoneInstanceMovingToAnotherReplicaTakesOverAndTheFirstClosesItsCall()
      throws IOException {
    Stream onA = new Stream("zone-1-a");
    ZoneCallGuard b = startReplicaB();

    Stream onB = new Stream(channelB, "zone-1-a", null);

    await().until(onA.ended::isDone);
    assertThat(onA.ended.join().getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(onA.ended.join().getDescription()).contains("another global replica");
    assertThat(onB.ended).isNotDone();
    assertThat(guard.openCalls()).isZero();
    assertThat(guard.fence("zone-1")).as("replica A no longer writes for zone-1").isEmpty();
    assertThat(b.fence("zone-1")).isPresent();
    assertThat(sharedKeys.read("zone-1").join()).get().asString().contains("global-b");
  }

  @Test
  void theLastCallClosingReleasesTheZoneForAnotherInstanceOnAnotherReplica() throws IOException {
    Stream onA = new Stream("zone-1-a");
    onA.requests.onCompleted();
    await().until(onA.ended::isDone);
    await().until(() -> sharedKeys.read("zone-1").join().isEmpty());
    startReplicaB();

    Stream onB = new Stream(channelB, "zone-1-b", null);

    assertThat(onB.ended).isNotDone();
    assertThat(sharedKeys.read("zone-1").join()).get().asString().contains("zone-1-b");
  }

  @Test
  void theSameInstanceReconnectingReplacesItsOldStreamAtOnce() {
    Stream old = new Stream("zone-1-a");

    Stream again = new Stream("zone-1-a");

    await().until(old.ended::isDone);
    assertThat(old.ended.join().getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(again.ended).isNotDone();
  }

  @Test
  void theZonesConfigIsKeptOnlyWhenItIsABoundedJsonObject() {
    String valid = "{\"store\":{\"type\":\"memory\"}}";
    new Stream("zone-1-a", valid);
    new Stream("zone-1-a", "not json");
    new Stream("zone-1-a", "[1]");
    new Stream("zone-1-a", "{\"k\":\"" + "x".repeat(KdsHeaders.MAX_CONFIG_CHARS) + "\"}");
    new Stream("zone-1-a");

    await().until(() -> configs.size() == 5);
    assertThat(configs).containsExactly(valid, "null", "null", "null", "null");
  }
}

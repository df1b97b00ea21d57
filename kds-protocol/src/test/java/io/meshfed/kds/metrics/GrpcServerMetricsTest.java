package io.meshfed.kds.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GrpcServerMetricsTest {
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
            throw new UncheckedIOException(e);
          }
        }
      };
  private static final MethodDescriptor<String, String> ECHO =
      MethodDescriptor.<String, String>newBuilder(TEXT, TEXT)
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName("test.Echo/Chat")
          .build();
  private static final MethodDescriptor<String, String> FAIL =
      MethodDescriptor.<String, String>newBuilder(TEXT, TEXT)
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("test.Echo/Fail")
          .build();

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private Server server;
  private ManagedChannel channel;

  private void start() throws IOException {
    String name = InProcessServerBuilder.generateName();
    ServerServiceDefinition service =
        ServerServiceDefinition.builder("test.Echo")
            .addMethod(
                ECHO,
                ServerCalls.asyncBidiStreamingCall(
                    (StreamObserver<String> out) ->
                        new StreamObserver<String>() {
                          @Override
                          public void onNext(String value) {
                            out.onNext(value);
                            out.onNext(value);
                          }

                          @Override
                          public void onError(Throwable t) {}

                          @Override
                          public void onCompleted() {
                            out.onCompleted();
                          }
                        }))
            .addMethod(
                FAIL,
                ServerCalls.asyncUnaryCall(
                    (String req, StreamObserver<String> out) ->
                        out.onError(Status.PERMISSION_DENIED.withDescription(req).asException())))
            .build();
    server =
        InProcessServerBuilder.forName(name)
            .addService(ServerInterceptors.intercept(service, new GrpcServerMetrics(meters)))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.shutdownNow();
    }
  }

  private double count(String name, String method, String... more) {
    var search =
        meters
            .find(name)
            .tag("grpc_type", method.equals("Chat") ? "bidi_stream" : "unary")
            .tag("grpc_service", "test.Echo")
            .tag("grpc_method", method);
    for (int i = 0; i < more.length; i += 2) {
      search = search.tag(more[i], more[i + 1]);
    }
    var counter = search.counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void countsStreamMessagesAndTheOkEnd() throws Exception {
    start();
    java.util.List<String> replies = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.CompletableFuture<Void> done =
        new java.util.concurrent.CompletableFuture<>();
    StreamObserver<String> requests =
        ClientCalls.asyncBidiStreamingCall(
            channel.newCall(ECHO, CallOptions.DEFAULT),
            new StreamObserver<>() {
              @Override
              public void onNext(String value) {
                replies.add(value);
              }

              @Override
              public void onError(Throwable t) {
                done.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                done.complete(null);
              }
            });
    requests.onNext("a");
    requests.onNext("b");
    requests.onNext("c");
    requests.onCompleted();
    done.get(10, java.util.concurrent.TimeUnit.SECONDS);

    assertThat(replies).hasSize(6);
    assertThat(count("grpc_server_started", "Chat")).isEqualTo(1);
    assertThat(count("grpc_server_msg_received", "Chat")).isEqualTo(3);
    assertThat(count("grpc_server_msg_sent", "Chat")).isEqualTo(6);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> count("grpc_server_handled", "Chat", "grpc_code", "OK") == 1);
  }

  @Test
  void countsAnErrorUnderGoCodeName() throws Exception {
    start();
    assertThatThrownBy(
            () -> ClientCalls.blockingUnaryCall(channel, FAIL, CallOptions.DEFAULT, "nope"))
        .isInstanceOf(StatusRuntimeException.class);
    assertThat(count("grpc_server_started", "Fail")).isEqualTo(1);
    assertThat(count("grpc_server_msg_received", "Fail")).isEqualTo(1);
    assertThat(count("grpc_server_handled", "Fail", "grpc_code", "PermissionDenied")).isEqualTo(1);
    assertThat(count("grpc_server_handled", "Fail", "grpc_code", "OK")).isZero();
  }

  @Test
  void countsAClientCancelOnce() throws Exception {
    start();
    ClientCall<String, String> call = channel.newCall(ECHO, CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<>() {}, new Metadata());
    call.request(1);
    call.sendMessage("x");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> count("grpc_server_msg_received", "Chat") == 1);
    call.cancel("test cancels", null);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> count("grpc_server_handled", "Chat", "grpc_code", "Canceled") == 1);
    assertThat(meters.find("grpc_server_handled").counters())
        .hasSize(1)
        .allSatisfy(c -> assertThat(c.count()).isEqualTo(1));
  }

  @Test
  void spellsCodesAsGoDoes() {
    assertThat(GrpcServerMetrics.goName(Status.Code.DEADLINE_EXCEEDED))
        .isEqualTo("DeadlineExceeded");
    assertThat(GrpcServerMetrics.goName(Status.Code.UNAUTHENTICATED)).isEqualTo("Unauthenticated");
    assertThat(GrpcServerMetrics.goName(Status.Code.CANCELLED)).isEqualTo("Canceled");
    assertThat(GrpcServerMetrics.goName(Status.Code.OK)).isEqualTo("OK");
    assertThat(GrpcServerMetrics.typeOf(MethodDescriptor.MethodType.SERVER_STREAMING))
        .isEqualTo("server_stream");
  }
}

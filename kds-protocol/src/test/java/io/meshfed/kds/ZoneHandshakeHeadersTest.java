package io.meshfed.kds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The zone's handshake metadata as global receives it, over an in-process channel. */
class ZoneHandshakeHeadersTest {
  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
          }
        }
      };
  private static final MethodDescriptor<byte[], byte[]> ECHO =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("test.Echo/Echo")
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();

  private final AtomicReference<Metadata> received = new AtomicReference<>();
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    ServerInterceptor capture =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            received.set(headers);
            return next.startCall(call, headers);
          }
        };
    ServerServiceDefinition echo =
        ServerServiceDefinition.builder("test.Echo")
            .addMethod(
                ECHO,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      response.onNext(request);
                      response.onCompleted();
                    }))
            .build();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(ServerInterceptors.intercept(echo, capture))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  @Test
  void sendsEveryHeaderOfTheHandshakeAndReportsTheAcceptedCall() {
    AtomicInteger accepted = new AtomicInteger();
    AtomicReference<String> token = new AtomicReference<>(" token-1\n");
    ZoneHandshakeHeaders headers =
        ZoneHandshakeHeaders.builder("zone-1", "1.4.0")
            .token(token::get)
            .instance("host-1/42")
            .config("{\"store\":{\"type\":\"memory\"}}")
            .onAccepted(accepted::incrementAndGet)
            .build();

    call(ClientInterceptors.intercept(channel, headers));

    Metadata md = received.get();
    assertThat(md.get(KdsHeaders.AUTHORIZATION)).isEqualTo("Bearer token-1");
    assertThat(md.get(KdsHeaders.ZONE)).isEqualTo("zone-1");
    assertThat(md.get(KdsHeaders.VERSION)).isEqualTo("1.4.0");
    assertThat(md.get(KdsHeaders.FEATURES)).isEqualTo("kds-delta-v1,kds-digest-v1");
    assertThat(KdsHeaders.parseFeatures(md.get(KdsHeaders.FEATURES)))
        .containsAll(KdsHeaders.REQUIRED_ZONE_FEATURES);
    assertThat(md.get(KdsHeaders.INSTANCE)).isEqualTo("host-1/42");
    assertThat(md.get(KdsHeaders.CONFIG)).isEqualTo("{\"store\":{\"type\":\"memory\"}}");
    assertThat(accepted).hasValue(1);

    token.set("token-2"); // a rotated token goes with the next call
    call(ClientInterceptors.intercept(channel, headers));
    assertThat(received.get().get(KdsHeaders.AUTHORIZATION)).isEqualTo("Bearer token-2");
  }

  @Test
  void optionalHeadersAreLeftOutAndFeaturesCanBeNamed() {
    call(
        ClientInterceptors.intercept(
            channel,
            ZoneHandshakeHeaders.builder("zone-1", "1.4.0")
                .token("t")
                .features(List.of("a", "b"))
                .build()));
    Metadata md = received.get();
    assertThat(md.get(KdsHeaders.FEATURES)).isEqualTo("a,b");
    assertThat(md.containsKey(KdsHeaders.INSTANCE)).isFalse();
    assertThat(md.containsKey(KdsHeaders.CONFIG)).isFalse();
  }

  @Test
  void aBlankTokenIsNotSent() {
    Channel c =
        ClientInterceptors.intercept(
            channel, ZoneHandshakeHeaders.builder("zone-1", "1.4.0").token(() -> " ").build());
    assertThatThrownBy(() -> call(c))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("zone 'zone-1' has no zone token to send");
    assertThat(received.get()).isNull();
  }

  @Test
  void featureListsParseBlanksAway() {
    assertThat(KdsHeaders.parseFeatures(" a, ,b,a ")).containsExactly("a", "b");
    assertThat(KdsHeaders.parseFeatures(null)).isEmpty();
    assertThat(KdsHeaders.joinFeatures(List.of("a", "b"))).isEqualTo("a,b");
  }

  private static void call(Channel c) {
    ClientCall<byte[], byte[]> call = c.newCall(ECHO, CallOptions.DEFAULT);
    ClientCalls.blockingUnaryCall(call, new byte[] {1});
  }
}

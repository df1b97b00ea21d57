package io.meshfed.global.kds.auth;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** A one-method gRPC service answering the zone it finds in the call's Context. */
final class WhoAmI {
  /** Stands in for the key the KDS library defines. */
  static final Context.Key<String> ZONE = Context.key("test-kds-zone");

  static final MethodDescriptor.Marshaller<String> TEXT =
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

  static final MethodDescriptor<String, String> METHOD =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName("test.WhoAmI", "Ask"))
          .setRequestMarshaller(TEXT)
          .setResponseMarshaller(TEXT)
          .build();

  final AtomicInteger handled = new AtomicInteger();
  final AtomicReference<ZoneHandshake> lastHandshake = new AtomicReference<>();

  ServerServiceDefinition service() {
    return ServerServiceDefinition.builder("test.WhoAmI")
        .addMethod(
            METHOD,
            ServerCalls.asyncUnaryCall(
                (request, response) -> {
                  handled.incrementAndGet();
                  lastHandshake.set(ZoneAuthInterceptor.HANDSHAKE.get());
                  response.onNext(ZONE.get() + ":" + request);
                  response.onCompleted();
                }))
        .build();
  }

  static String ask(Channel channel, ClientInterceptor headers) {
    Channel ch = headers == null ? channel : ClientInterceptors.intercept(channel, headers);
    return ClientCalls.blockingUnaryCall(
        ch, METHOD, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), "hello");
  }
}

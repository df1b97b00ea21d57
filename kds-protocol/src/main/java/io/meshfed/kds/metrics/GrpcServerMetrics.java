package io.meshfed.kds.metrics;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts the calls and messages of a gRPC server under go-grpc-prometheus's names, as Kuma's
 * control plane exposes them: {@code grpc_server_started_total}, {@code grpc_server_handled_total}
 * (with {@code grpc_code}), {@code grpc_server_msg_received_total} and {@code
 * grpc_server_msg_sent_total}, each labelled {@code grpc_type} ({@code unary}, {@code
 * client_stream}, {@code server_stream}, {@code bidi_stream}), {@code grpc_service} and {@code
 * grpc_method}. Codes are spelled as Go spells them ({@code OK}, {@code Canceled}, {@code
 * Unauthenticated}...), so that Kuma's queries match.
 *
 * <p>Stateless apart from a per-call flag that makes {@code handled} count once, whether the call
 * ends by {@code close} or by a client cancel.
 */
public final class GrpcServerMetrics implements ServerInterceptor {
  private final MeterRegistry meters;

  public GrpcServerMetrics(MeterRegistry meters) {
    this.meters = Objects.requireNonNull(meters, "meters");
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    MethodDescriptor<Q, R> method = call.getMethodDescriptor();
    String type = typeOf(method.getType());
    String service = String.valueOf(method.getServiceName());
    String name = String.valueOf(method.getBareMethodName());
    counter("grpc_server_started", "RPCs started on the server", type, service, name).increment();
    Counter received =
        counter(
            "grpc_server_msg_received",
            "Stream messages received from clients",
            type,
            service,
            name);
    Counter sent =
        counter("grpc_server_msg_sent", "Stream messages sent to clients", type, service, name);
    AtomicBoolean handled = new AtomicBoolean();
    ServerCall<Q, R> counted =
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void sendMessage(R message) {
            super.sendMessage(message);
            sent.increment();
          }

          @Override
          public void close(Status status, Metadata trailers) {
            if (handled.compareAndSet(false, true)) {
              handled(type, service, name, status.getCode());
            }
            super.close(status, trailers);
          }
        };
    return new SimpleForwardingServerCallListener<>(next.startCall(counted, headers)) {
      @Override
      public void onMessage(Q message) {
        received.increment();
        super.onMessage(message);
      }

      @Override
      public void onCancel() {
        if (handled.compareAndSet(false, true)) {
          handled(type, service, name, Status.Code.CANCELLED);
        }
        super.onCancel();
      }
    };
  }

  private void handled(String type, String service, String method, Status.Code code) {
    Counter.builder("grpc_server_handled")
        .description("RPCs completed on the server, by status code")
        .tag("grpc_type", type)
        .tag("grpc_service", service)
        .tag("grpc_method", method)
        .tag("grpc_code", goName(code))
        .register(meters)
        .increment();
  }

  private Counter counter(
      String metric, String description, String type, String service, String method) {
    return Counter.builder(metric)
        .description(description)
        .tag("grpc_type", type)
        .tag("grpc_service", service)
        .tag("grpc_method", method)
        .register(meters);
  }

  static String typeOf(MethodDescriptor.MethodType type) {
    return switch (type) {
      case UNARY -> "unary";
      case CLIENT_STREAMING -> "client_stream";
      case SERVER_STREAMING -> "server_stream";
      case BIDI_STREAMING -> "bidi_stream";
      case UNKNOWN -> "unknown";
    };
  }

  /**
   * The name Go's {@code codes.Code.String()} gives: {@code DEADLINE_EXCEEDED} is {@code
   * DeadlineExceeded}.
   */
  static String goName(Status.Code code) {
    if (code == Status.Code.OK) {
      return "OK";
    }
    if (code == Status.Code.CANCELLED) {
      return "Canceled";
    }
    StringBuilder out = new StringBuilder();
    for (String word : code.name().split("_")) {
      out.append(word.charAt(0)).append(word.substring(1).toLowerCase(Locale.ROOT));
    }
    return out.toString();
  }
}

package io.meshfed.kds;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Collection;

/**
 * Global's side of the KDS handshake: adds {@code meshfed-features} ({@link KdsHeaders#FEATURES})
 * to the response headers of every KDS call, so that a zone knows what global speaks (e.g. resume
 * by digest) before it subscribes. A zone that reads no features there treats global as one that
 * knows none of the optional ones. Stateless.
 */
public final class GlobalHandshakeHeaders implements ServerInterceptor {
  private final String features;

  /** Announces {@link KdsHeaders#GLOBAL_FEATURES}. */
  public GlobalHandshakeHeaders() {
    this(KdsHeaders.GLOBAL_FEATURES);
  }

  public GlobalHandshakeHeaders(Collection<String> features) {
    this.features = KdsHeaders.joinFeatures(features);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    return next.startCall(
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void sendHeaders(Metadata responseHeaders) {
            responseHeaders.put(KdsHeaders.FEATURES, features);
            super.sendHeaders(responseHeaders);
          }
        },
        headers);
  }
}

package io.meshfed.zone.xds;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Carries the {@code authorization} metadata of an xDS call (Envoy's {@code initial_metadata} of
 * the ADS {@code grpc_service}) into the call's context, where {@link ProxyStreams} reads it once
 * the first request names the proxy.
 */
final class XdsCredentials implements ServerInterceptor {
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> TOKEN = Context.key("meshfed-dataplane-token");

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String token = headers.get(AUTHORIZATION);
    return Contexts.interceptCall(Context.current().withValue(TOKEN, token), call, headers, next);
  }

  /** The token of the call being served, or null. */
  static String currentToken() {
    return TOKEN.get();
  }
}

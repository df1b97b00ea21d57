package io.meshfed.global.kds.auth;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Zone side of the KDS handshake: adds to every call the metadata global checks before a stream
 * starts, {@code authorization: Bearer <token>}, {@code meshfed-zone}, {@code meshfed-version} and
 * {@code meshfed-features} (comma-separated). The token is read from the supplier on every call, so
 * a rotated token file takes effect on the next reconnect.
 *
 * <p>Depends on gRPC only, so it can move to the zone module unchanged.
 */
public final class ZoneAuthHeaders implements ClientInterceptor {
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  public static final Metadata.Key<String> ZONE =
      Metadata.Key.of("meshfed-zone", Metadata.ASCII_STRING_MARSHALLER);
  public static final Metadata.Key<String> VERSION =
      Metadata.Key.of("meshfed-version", Metadata.ASCII_STRING_MARSHALLER);
  public static final Metadata.Key<String> FEATURES =
      Metadata.Key.of("meshfed-features", Metadata.ASCII_STRING_MARSHALLER);

  public static final String BEARER = "Bearer ";

  private final Supplier<String> token;
  private final String zone;
  private final String version;
  private final String features;

  /**
   * @param token supplies the zone token (surrounding whitespace is ignored)
   * @param zone the zone this control plane runs as; must match the token's zone
   * @param version this zone's semantic version, e.g. {@code 1.4.0}
   * @param features the KDS features this zone supports
   */
  public ZoneAuthHeaders(
      Supplier<String> token, String zone, String version, Collection<String> features) {
    this.token = Objects.requireNonNull(token, "token");
    this.zone = Objects.requireNonNull(zone, "zone");
    this.version = Objects.requireNonNull(version, "version");
    this.features = String.join(",", List.copyOf(features));
  }

  /** Headers with a fixed token. */
  public static ZoneAuthHeaders of(
      String token, String zone, String version, Collection<String> features) {
    Objects.requireNonNull(token, "token");
    return new ZoneAuthHeaders(() -> token, zone, version, features);
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(
        next.newCall(method, callOptions)) {
      @Override
      public void start(Listener<RespT> responseListener, Metadata headers) {
        String t = token.get();
        if (t == null || t.isBlank()) {
          throw new IllegalStateException(
              "zone '" + zone + "' has no zone token to send (check --zone-token-file)");
        }
        headers.put(AUTHORIZATION, BEARER + t.strip());
        headers.put(ZONE, zone);
        headers.put(VERSION, version);
        headers.put(FEATURES, features);
        super.start(responseListener, headers);
      }
    };
  }
}

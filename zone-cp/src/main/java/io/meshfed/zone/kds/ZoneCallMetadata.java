package io.meshfed.zone.kds;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.meshfed.kds.KdsHeaders;
import java.util.Objects;

/**
 * Adds the zone's handshake to every KDS call ({@code authorization: Bearer <token>}, {@code
 * meshfed-zone}, {@code meshfed-version}, {@code meshfed-features}, {@code meshfed-instance},
 * {@code meshfed-zone-config}) and reports when global accepts a call: response headers only arrive
 * on a call global let through its authentication.
 */
final class ZoneCallMetadata implements ClientInterceptor {
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> ZONE =
      Metadata.Key.of("meshfed-zone", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> VERSION =
      Metadata.Key.of("meshfed-version", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> FEATURES =
      Metadata.Key.of("meshfed-features", Metadata.ASCII_STRING_MARSHALLER);

  /** The KDS features this zone speaks. */
  static final String FEATURE_LIST = "kds-delta-v1";

  private final String token;
  private final String zone;
  private final String version;
  private final String instance;
  private final String config;
  private final Runnable onAccepted;

  /**
   * @param config the zone's configuration as a JSON object (sent as {@code meshfed-zone-config}),
   *     or null to send none
   */
  ZoneCallMetadata(
      String token,
      String zone,
      String version,
      String instance,
      String config,
      Runnable onAccepted) {
    this.token = Objects.requireNonNull(token, "token");
    this.zone = Objects.requireNonNull(zone, "zone");
    this.version = Objects.requireNonNull(version, "version");
    this.instance = Objects.requireNonNull(instance, "instance");
    this.config = config;
    this.onAccepted = Objects.requireNonNull(onAccepted, "onAccepted");
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(
        next.newCall(method, callOptions)) {
      @Override
      public void start(Listener<RespT> responseListener, Metadata headers) {
        headers.put(AUTHORIZATION, "Bearer " + token);
        headers.put(ZONE, zone);
        headers.put(VERSION, version);
        headers.put(FEATURES, FEATURE_LIST);
        headers.put(KdsHeaders.INSTANCE, instance);
        if (config != null) {
          headers.put(KdsHeaders.CONFIG, config);
        }
        super.start(
            new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(
                responseListener) {
              @Override
              public void onHeaders(Metadata responseHeaders) {
                onAccepted.run();
                super.onHeaders(responseHeaders);
              }
            },
            headers);
      }
    };
  }
}

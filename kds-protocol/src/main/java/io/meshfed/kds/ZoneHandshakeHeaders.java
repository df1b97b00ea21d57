package io.meshfed.kds;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Zone side of the KDS handshake: adds {@link KdsHeaders} to every call ({@code authorization:
 * Bearer <token>}, {@code meshfed-zone}, {@code meshfed-version}, {@code meshfed-features}, and
 * when set {@code meshfed-instance} and {@code meshfed-zone-config}), and reports when global
 * accepts a call: response headers only arrive on a call global let through its authentication. The
 * token is read from its supplier at the start of every call, so a rotated token file takes effect
 * on the next call. Built with {@link #builder}.
 */
public final class ZoneHandshakeHeaders implements ClientInterceptor {
  private final Supplier<String> token;
  private final String zone;
  private final String version;
  private final String features;
  private final String instance;
  private final String config;
  private final Runnable onAccepted;

  private ZoneHandshakeHeaders(Builder b) {
    this.token = Objects.requireNonNull(b.token, "token");
    this.zone = b.zone;
    this.version = b.version;
    this.features = KdsHeaders.joinFeatures(b.features);
    this.instance = b.instance;
    this.config = b.config;
    this.onAccepted = b.onAccepted;
  }

  /**
   * @param zone the zone this control plane runs as; must match the token's zone
   * @param version this zone's semantic version, e.g. {@code 1.4.0}
   */
  public static Builder builder(String zone, String version) {
    return new Builder(zone, version);
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
        headers.put(KdsHeaders.AUTHORIZATION, KdsHeaders.BEARER + t.strip());
        headers.put(KdsHeaders.ZONE, zone);
        headers.put(KdsHeaders.VERSION, version);
        headers.put(KdsHeaders.FEATURES, features);
        if (instance != null) {
          headers.put(KdsHeaders.INSTANCE, instance);
        }
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

  /** The options of a {@link ZoneHandshakeHeaders}; zone, version and token are required. */
  public static final class Builder {
    private final String zone;
    private final String version;
    private Supplier<String> token;
    private List<String> features = KdsHeaders.ZONE_FEATURES;
    private String instance;
    private String config;
    private Runnable onAccepted = () -> {};

    private Builder(String zone, String version) {
      this.zone = Objects.requireNonNull(zone, "zone");
      this.version = Objects.requireNonNull(version, "version");
    }

    /** The zone token, read at the start of every call (surrounding whitespace is ignored). */
    public Builder token(Supplier<String> token) {
      this.token = Objects.requireNonNull(token, "token");
      return this;
    }

    /** A fixed zone token. */
    public Builder token(String token) {
      Objects.requireNonNull(token, "token");
      return token(() -> token);
    }

    /** The features announced; {@link KdsHeaders#ZONE_FEATURES} unless set. */
    public Builder features(Collection<String> features) {
      this.features = List.copyOf(features);
      return this;
    }

    /** This zone control plane process, sent as {@code meshfed-instance}; none unless set. */
    public Builder instance(String instance) {
      this.instance = Objects.requireNonNull(instance, "instance");
      return this;
    }

    /** The zone's configuration as a JSON object, sent as {@code meshfed-zone-config}; or null. */
    public Builder config(String config) {
      this.config = config;
      return this;
    }

    /** Run when global accepts a call (its response headers arrive). */
    public Builder onAccepted(Runnable onAccepted) {
      this.onAccepted = Objects.requireNonNull(onAccepted, "onAccepted");
      return this;
    }

    public ZoneHandshakeHeaders build() {
      return new ZoneHandshakeHeaders(this);
    }
  }
}

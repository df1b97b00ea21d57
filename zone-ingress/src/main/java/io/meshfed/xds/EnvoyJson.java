package io.meshfed.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.List;

/**
 * Envoy protobuf messages as JSON (Envoy reads JSON as YAML), for bootstrap files, golden files and
 * debugging. Knows every message meshfed packs into an {@code Any} ({@code typed_config}).
 */
public final class EnvoyJson {
  private static final JsonFormat.TypeRegistry TYPES =
      JsonFormat.TypeRegistry.newBuilder()
          .add(Bootstrap.getDescriptor())
          .add(TcpProxy.getDescriptor())
          .add(HttpConnectionManager.getDescriptor())
          .add(Router.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBACPerRoute.getDescriptor())
          .add(TlsInspector.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDescriptor())
          .add(
              io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                  .getDescriptor())
          .add(DownstreamTlsContext.getDescriptor())
          .add(UpstreamTlsContext.getDescriptor())
          .add(
              io.envoyproxy.envoy.extensions.filters.network.direct_response.v3.Config
                  .getDescriptor())
          .add(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.getDescriptor())
          .add(
              io.envoyproxy.envoy.extensions.health_check.event_sinks.file.v3
                  .HealthCheckEventFileSink.getDescriptor())
          .build();

  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().usingTypeRegistry(TYPES);

  private EnvoyJson() {}

  /** One message as pretty JSON. */
  public static String print(Message m) {
    try {
      return PRINTER.print(m);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot print " + m.getDescriptorForType().getFullName(), e);
    }
  }

  /** A list of messages as a pretty JSON array. */
  public static String print(List<? extends Message> messages) {
    StringBuilder b = new StringBuilder("[");
    String sep = "\n";
    for (Message m : messages) {
      b.append(sep).append(print(m));
      sep = ",\n";
    }
    return b.append(messages.isEmpty() ? "]" : "\n]").toString();
  }

  /** Parses JSON into {@code builder}. */
  public static <B extends Message.Builder> B parse(String json, B builder) {
    try {
      JsonFormat.parser().usingTypeRegistry(TYPES).merge(json, builder);
      return builder;
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("invalid Envoy JSON: " + e.getMessage(), e);
    }
  }

  /**
   * One message as compact JSON with the proto field names ({@code snake_case}), as Envoy's admin
   * {@code /config_dump} prints it.
   */
  public static String printWithProtoFieldNames(Message m) {
    try {
      return PRINTER.preservingProtoFieldNames().omittingInsignificantWhitespace().print(m);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot print " + m.getDescriptorForType().getFullName(), e);
    }
  }
}

package io.meshfed.xds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.protobuf.Descriptors;
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
import java.util.Optional;

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
          .add(io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBACPerRoute.getDescriptor())
          .add(TlsInspector.getDescriptor())
          .add(io.envoyproxy.envoy.config.trace.v3.ZipkinConfig.getDescriptor())
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
          // what ProxyTemplate values may carry besides the types above
          .add(io.envoyproxy.envoy.config.cluster.v3.Cluster.getDescriptor())
          .add(io.envoyproxy.envoy.config.listener.v3.Listener.getDescriptor())
          .add(io.envoyproxy.envoy.config.route.v3.RouteConfiguration.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.buffer.v3.Buffer.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.lua.v3.Lua.getDescriptor())
          .add(
              io.envoyproxy.envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit
                  .getDescriptor())
          .build();

  private static final YAMLMapper YAML = new YAMLMapper();
  private static final ObjectMapper JSON = new ObjectMapper();

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
   * Parses Envoy YAML or JSON (Envoy's own config format: proto field names in {@code snake_case}
   * or {@code camelCase}, {@code typed_config} with {@code '@type'}) into {@code builder}.
   *
   * @throws IllegalArgumentException saying what is wrong, without a stack of causes to read
   */
  public static <B extends Message.Builder> B parseYaml(String text, B builder) {
    JsonNode tree;
    try {
      tree = YAML.readTree(text == null ? "" : text);
    } catch (JsonProcessingException e) {
      throw new NotYamlException("is not valid YAML: " + firstLine(e.getOriginalMessage()), e);
    }
    if (tree == null || !tree.isObject()) {
      throw new NotYamlException(
          "must be a mapping (an Envoy " + builder.getDescriptorForType().getName() + ")");
    }
    try {
      JsonFormat.parser().usingTypeRegistry(TYPES).merge(JSON.writeValueAsString(tree), builder);
      return builder;
    } catch (InvalidProtocolBufferException | JsonProcessingException e) {
      throw new IllegalArgumentException(
          "is not a valid "
              + builder.getDescriptorForType().getFullName()
              + ": "
              + firstLine(e.getMessage()),
          e);
    }
  }

  /** The text is not a YAML (or JSON) mapping at all. */
  public static final class NotYamlException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    NotYamlException(String message) {
      super(message);
    }

    NotYamlException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The message type named by a type URL, if meshfed knows it ({@code typed_config} types). */
  public static Optional<Descriptors.Descriptor> type(String typeUrl) {
    int slash = typeUrl == null ? -1 : typeUrl.lastIndexOf('/');
    return slash < 0
        ? Optional.empty()
        : Optional.ofNullable(TYPES.find(typeUrl.substring(slash + 1)));
  }

  private static String firstLine(String s) {
    String m = String.valueOf(s);
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
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

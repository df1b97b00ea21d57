package io.meshfed.xds.sidecar;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.TrafficLogSpec;
import io.meshfed.model.validation.AccessLogFormat;
import io.meshfed.xds.MeshState;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kuma's TrafficLog on a sidecar's outbound listeners (Kuma 2.7 logs outbound traffic only): for
 * each outbound service S, the TrafficLog chosen by {@link PolicyMatcher} for traffic to S names a
 * backend of the Mesh's {@code logging} ({@code conf.backend}, else {@code defaultBackend}); no
 * TrafficLog, or a name the mesh does not have, means no access log. HTTP outbounds get the access
 * log on their {@code http_connection_manager}, TCP ones on their {@code tcp_proxy}, both Envoy's
 * file logger with the backend's {@code format} (Kuma's default HTTP or TCP format when empty)
 * after the placeholders of {@link AccessLogFormat} are replaced, and a newline.
 *
 * <ul>
 *   <li>{@code file}: the logger writes to {@code conf.path}.
 *   <li>{@code tcp}: the logger writes {@code <conf.address>;<line>} to the FIFO that {@code
 *       meshfed dp run} reads and forwards (node metadata {@code accessLogSocketPath}); a proxy
 *       that did not announce one gets no tcp access log (logged once).
 * </ul>
 *
 * {@code %KUMA_SOURCE_ZONE%} is this zone; {@code %KUMA_DESTINATION_ZONE%} becomes Envoy's {@code
 * %UPSTREAM_METADATA(envoy.lb:kuma.io/zone)%}, the zone of the endpoint Envoy picked: {@link
 * Endpoints} sets it on every endpoint of a mesh with logging backends.
 */
final class AccessLogs {
  private static final Logger LOG = LoggerFactory.getLogger(AccessLogs.class);
  private static final LogOnce ONCE = new LogOnce(4096);

  static final List<String> TYPES = List.of(StandardTypes.TRAFFIC_LOG);

  static final String FILE_LOGGER = "envoy.access_loggers.file";

  /** The endpoint metadata namespace that carries {@code kuma.io/zone}. */
  static final String ENDPOINT_METADATA = "envoy.lb";

  static final String DESTINATION_ZONE_OPERATOR =
      "%UPSTREAM_METADATA(" + ENDPOINT_METADATA + ":" + Tags.ZONE + ")%";

  /** Kuma's default HTTP format. */
  static final String HTTP_FORMAT =
      "[%START_TIME%] %KUMA_MESH% \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\""
          + " %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION%"
          + " %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\""
          + " \"%REQ(USER-AGENT)%\" \"%REQ(X-B3-TRACEID?X-DATADOG-TRACEID)%\""
          + " \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%KUMA_SOURCE_SERVICE%\""
          + " \"%KUMA_DESTINATION_SERVICE%\" \"%KUMA_SOURCE_ADDRESS_WITHOUT_PORT%\""
          + " \"%UPSTREAM_HOST%\"";

  /** Kuma's default TCP format. */
  static final String TCP_FORMAT =
      "[%START_TIME%] %RESPONSE_FLAGS% %KUMA_MESH%"
          + " %KUMA_SOURCE_ADDRESS_WITHOUT_PORT%(%KUMA_SOURCE_SERVICE%)->%UPSTREAM_HOST%"
          + "(%KUMA_DESTINATION_SERVICE%) took %DURATION%ms, sent %BYTES_SENT% bytes, received:"
          + " %BYTES_RECEIVED% bytes";

  private final MeshState state;
  private final Resource dataplane;
  private final PolicyMatcher.Outbound matcher;
  private final Optional<String> socketPath;

  private AccessLogs(
      MeshState state,
      Resource dataplane,
      List<Map<String, String>> inboundTagSets,
      Optional<String> socketPath) {
    this.state = state;
    this.dataplane = dataplane;
    this.matcher =
        PolicyMatcher.forProxy(state.policies(StandardTypes.TRAFFIC_LOG), inboundTagSets);
    this.socketPath = socketPath;
  }

  /**
   * @param socketPath the FIFO of the proxy's {@code tcp} backends (node metadata), if announced
   */
  static AccessLogs of(
      MeshState state,
      Resource dataplane,
      List<Map<String, String>> inboundTagSets,
      Optional<String> socketPath) {
    return new AccessLogs(state, dataplane, inboundTagSets, socketPath);
  }

  /** True when the mesh has logging backends: its endpoints then carry their zone. */
  static boolean enabled(MeshState state) {
    MeshSpec.Logging logging = state.meshSpec().logging();
    return logging != null && !logging.backends().isEmpty();
  }

  /** The endpoint metadata {@code envoy.lb: {kuma.io/zone: <zone>}}. */
  static Metadata zoneMetadata(String zone) {
    return Metadata.newBuilder()
        .putFilterMetadata(
            ENDPOINT_METADATA,
            Struct.newBuilder()
                .putFields(Tags.ZONE, Value.newBuilder().setStringValue(zone).build())
                .build())
        .build();
  }

  /**
   * {@code outbound} (the listener of the outbound to {@code service}) with the access log of the
   * TrafficLog that applies added to its HCM or tcp_proxy; unchanged when none applies.
   */
  Listener apply(Listener outbound, String service) {
    if (!enabled(state)) {
      return outbound;
    }
    Optional<Resource> policy = matcher.best(service);
    if (policy.isEmpty()) {
      return outbound;
    }
    Optional<MeshSpec.LoggingBackend> backend = backend(policy.get());
    if (backend.isEmpty()) {
      return outbound;
    }
    Listener.Builder listener = outbound.toBuilder();
    for (FilterChain.Builder chain : listener.getFilterChainsBuilderList()) {
      for (Filter.Builder filter : chain.getFiltersBuilderList()) {
        Any config = filter.getTypedConfig();
        try {
          if (config.is(HttpConnectionManager.class)) {
            Optional<AccessLog> log = accessLog(backend.get(), service, HTTP_FORMAT);
            if (log.isEmpty()) {
              return outbound;
            }
            filter.setTypedConfig(
                Xds.pack(
                    config.unpack(HttpConnectionManager.class).toBuilder()
                        .addAccessLog(log.get())
                        .build()));
          } else if (config.is(TcpProxy.class)) {
            Optional<AccessLog> log = accessLog(backend.get(), service, TCP_FORMAT);
            if (log.isEmpty()) {
              return outbound;
            }
            filter.setTypedConfig(
                Xds.pack(
                    config.unpack(TcpProxy.class).toBuilder().addAccessLog(log.get()).build()));
          }
        } catch (InvalidProtocolBufferException e) {
          throw new IllegalStateException(outbound.getName() + ": " + e.getMessage(), e);
        }
      }
    }
    return listener.build();
  }

  /** Kuma's {@code GetLoggingBackend}: the named backend, else the default; empty when unknown. */
  private Optional<MeshSpec.LoggingBackend> backend(Resource policy) {
    MeshSpec.Logging logging = state.meshSpec().logging();
    TrafficLogSpec.Conf conf = policy.spec(TrafficLogSpec.class).conf();
    String name =
        conf == null || conf.backend() == null || conf.backend().isEmpty()
            ? logging.defaultBackend()
            : conf.backend();
    Optional<MeshSpec.LoggingBackend> found =
        logging.backends().stream().filter(b -> b != null && b.name().equals(name)).findFirst();
    if (found.isEmpty()) {
      String message =
          policy.key()
              + ": logging backend '"
              + name
              + "' is not in mesh '"
              + state.meshName()
              + "' (expected one of "
              + new TreeSet<>(
                  logging.backends().stream().map(MeshSpec.LoggingBackend::name).toList())
              + "); no access log";
      if (ONCE.firstTime(message)) {
        LOG.info("zone={} {}", state.zone(), message);
      }
    }
    return found;
  }

  private Optional<AccessLog> accessLog(
      MeshSpec.LoggingBackend backend, String service, String defaultFormat) {
    String format =
        interpolate(
                backend.format() == null || backend.format().isEmpty()
                    ? defaultFormat
                    : backend.format(),
                service)
            + "\n";
    String path;
    if ("tcp".equals(backend.type())) {
      if (socketPath.isEmpty()) {
        String message =
            dataplane.key()
                + ": announces no accessLogSocketPath (not started by meshfed dp run?);"
                + " no access log to tcp backend '"
                + backend.name()
                + "'";
        if (ONCE.firstTime(message)) {
          LOG.info("zone={} {}", state.zone(), message);
        }
        return Optional.empty();
      }
      format = backend.conf().get("address") + ";" + format;
      path = socketPath.get();
    } else {
      path = String.valueOf(backend.conf().get("path"));
    }
    FileAccessLog file =
        FileAccessLog.newBuilder()
            .setPath(path)
            .setLogFormat(
                SubstitutionFormatString.newBuilder()
                    .setTextFormatSource(DataSource.newBuilder().setInlineString(format)))
            .build();
    return Optional.of(
        AccessLog.newBuilder().setName(FILE_LOGGER).setTypedConfig(Xds.pack(file)).build());
  }

  /** The format with every placeholder of {@link AccessLogFormat} replaced. */
  String interpolate(String format, String destinationService) {
    DataplaneSpec spec = dataplane.spec(DataplaneSpec.class);
    String ip = spec.networking() == null ? null : spec.networking().address();
    ip = ip == null ? "" : ip;
    return format
        .replace(AccessLogFormat.SOURCE_ADDRESS, hostPort(ip))
        .replace(AccessLogFormat.SOURCE_ADDRESS_WITHOUT_PORT, ip)
        .replace(AccessLogFormat.SOURCE_SERVICE, sourceService(spec))
        .replace(AccessLogFormat.DESTINATION_SERVICE, destinationService)
        .replace(AccessLogFormat.MESH, state.meshName())
        .replace(AccessLogFormat.TRAFFIC_DIRECTION, "OUTBOUND")
        .replace(AccessLogFormat.SOURCE_ZONE, state.zone())
        .replace(AccessLogFormat.DESTINATION_ZONE, DESTINATION_ZONE_OPERATOR);
  }

  /** Kuma's {@code net.JoinHostPort(ip, "0")}. */
  private static String hostPort(String ip) {
    return (ip.contains(":") ? "[" + ip + "]" : ip) + ":0";
  }

  /** Kuma's {@code GetIdentifyingService}: the first service of the inbounds, sorted. */
  private static String sourceService(DataplaneSpec spec) {
    TreeSet<String> services = new TreeSet<>();
    for (DataplaneSpec.Inbound in : spec.inbounds()) {
      if (in != null && in.tags().get(Tags.SERVICE) != null) {
        services.add(in.tags().get(Tags.SERVICE));
      }
    }
    return services.isEmpty() ? "unknown" : services.first();
  }
}

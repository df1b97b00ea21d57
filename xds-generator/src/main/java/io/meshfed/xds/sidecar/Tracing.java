package io.meshfed.xds.sidecar;

import com.google.protobuf.BoolValue;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.v3.Percent;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.TrafficTraceSpec;
import io.meshfed.model.spec.ZipkinUrl;
import io.meshfed.xds.MeshState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tracing of a sidecar, as Kuma 2.7 does it ({@code TracingProxyGenerator} and {@code
 * TracingConfigurer}): the TrafficTrace that applies to the proxy (Kuma's dataplane-policy choice,
 * by {@link PolicyMatcher#forDataplane}: most specific selector, then the newest, then the name)
 * names a backend of the Mesh's {@code tracing.backends}; without {@code conf.backend} it is the
 * mesh's {@code tracing.defaultBackend}. No TrafficTrace, or a backend the mesh does not have,
 * means no tracing.
 *
 * <p>For a {@code zipkin} backend {@code <name>}:
 *
 * <ul>
 *   <li>cluster {@code tracing:<name>} (stats {@code tracing_<name>}) to the host and port of
 *       {@code conf.url}: STATIC for an IP address, else STRICT_DNS (IPv4), connect timeout 5 s,
 *       TLS with the URL's host as SNI for {@code https} (like Kuma, the collector's certificate is
 *       not verified);
 *   <li>on every HTTP connection manager of the inbound and outbound listeners: {@code tracing}
 *       with {@code spawn_upstream_span: false}, {@code overall_sampling} = the backend's {@code
 *       sampling} when set (Envoy's default is 100 %), and the tracer {@code envoy.tracers.zipkin}
 *       posting to the cluster at the URL's path ({@code HTTP_PROTO} for {@code apiVersion:
 *       httpProto}, else {@code HTTP_JSON}), with {@code conf.traceId128bit}, {@code
 *       conf.sharedSpanContext} (Envoy's default when unset: true) and the URL's authority as the
 *       {@code Host}.
 * </ul>
 *
 * TCP listeners get nothing: Envoy traces HTTP only. The service name Envoy puts on the spans is
 * the bootstrap's {@code node.cluster}, which {@code dp run} sets to the dataplane's first inbound
 * service.
 *
 * <p>A stored backend this version cannot use (another type, or a URL an older version accepted)
 * leaves the proxy untraced and is logged once; the rest of the config is unaffected.
 */
final class Tracing {
  /** The policy types read here, for the zone's watch. */
  static final List<String> TYPES = List.of(StandardTypes.TRAFFIC_TRACE);

  static final String ZIPKIN_TRACER = "envoy.tracers.zipkin";
  static final String CLUSTER_PREFIX = "tracing:";

  private static final Logger log = LoggerFactory.getLogger(Tracing.class);
  private static final LogOnce UNUSABLE = new LogOnce(1024);
  private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");

  private final Cluster cluster;
  private final HttpConnectionManager.Tracing hcmTracing;

  private Tracing(Cluster cluster, HttpConnectionManager.Tracing hcmTracing) {
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.hcmTracing = Objects.requireNonNull(hcmTracing, "hcmTracing");
  }

  /** The TrafficTrace that applies to a proxy with these inbound tag sets, if any. */
  static Optional<Resource> select(MeshState state, List<Map<String, String>> inboundTagSets) {
    return PolicyMatcher.forDataplane(
        state.policies(StandardTypes.TRAFFIC_TRACE),
        p -> p.spec(TrafficTraceSpec.class).selectors(),
        inboundTagSets);
  }

  /**
   * The tracing of {@code dataplane}, or empty when no TrafficTrace applies or its backend is
   * missing or unusable.
   */
  static Optional<Tracing> of(
      MeshState state, Resource dataplane, List<Map<String, String>> inboundTagSets) {
    Optional<Resource> trace = select(state, inboundTagSets);
    if (trace.isEmpty()) {
      return Optional.empty();
    }
    TrafficTraceSpec.Conf conf = trace.get().spec(TrafficTraceSpec.class).conf();
    MeshSpec.Tracing tracing = state.meshSpec().tracing();
    String wanted =
        conf != null && conf.backend() != null && !conf.backend().isEmpty()
            ? conf.backend()
            : tracing == null ? null : tracing.defaultBackend();
    Optional<MeshSpec.TracingBackend> backend =
        tracing == null || wanted == null
            ? Optional.empty()
            : tracing.backends().stream()
                .filter(b -> b != null && wanted.equals(b.name()))
                .findFirst();
    if (backend.isEmpty()) {
      unusable(
          dataplane,
          trace.get(),
          "tracing backend '" + wanted + "' is not in the mesh's tracing.backends");
      return Optional.empty();
    }
    MeshSpec.TracingBackend b = backend.get();
    if (!"zipkin".equals(b.type())) {
      unusable(dataplane, trace.get(), "backend '" + b.name() + "' type '" + b.type() + "'");
      return Optional.empty();
    }
    ZipkinUrl url;
    try {
      url = ZipkinUrl.parse(String.valueOf(b.conf().get("url")));
    } catch (IllegalArgumentException e) {
      unusable(dataplane, trace.get(), "backend '" + b.name() + "' conf.url: " + e.getMessage());
      return Optional.empty();
    }
    return Optional.of(new Tracing(cluster(b.name(), url), hcmTracing(b, url)));
  }

  /** The cluster the tracer sends spans to. */
  Cluster cluster() {
    return cluster;
  }

  /** The {@code tracing} of every HTTP connection manager. */
  HttpConnectionManager.Tracing hcmTracing() {
    return hcmTracing;
  }

  /**
   * {@code listeners} with {@link #hcmTracing()} on every HTTP connection manager of the inbound
   * and outbound listeners ({@code inbound:*}, {@code outbound:*}); other listeners unchanged.
   */
  List<Listener> applyTo(List<Listener> listeners) {
    List<Listener> out = new ArrayList<>(listeners.size());
    for (Listener l : listeners) {
      out.add(
          l.getName().startsWith("inbound:") || l.getName().startsWith("outbound:")
              ? traced(l)
              : l);
    }
    return out;
  }

  private Listener traced(Listener listener) {
    Listener.Builder b = listener.toBuilder();
    for (FilterChain.Builder chain : b.getFilterChainsBuilderList()) {
      for (Filter.Builder filter : chain.getFiltersBuilderList()) {
        if (!Xds.HTTP_CONNECTION_MANAGER.equals(filter.getName())) {
          continue;
        }
        try {
          HttpConnectionManager hcm =
              filter.getTypedConfig().unpack(HttpConnectionManager.class).toBuilder()
                  .setTracing(hcmTracing)
                  .build();
          filter.setTypedConfig(Xds.pack(hcm));
        } catch (InvalidProtocolBufferException e) {
          throw new IllegalStateException(
              listener.getName() + ": filter " + filter.getName() + " is not an HCM", e);
        }
      }
    }
    return b.build();
  }

  private static Cluster cluster(String backend, ZipkinUrl url) {
    String name = CLUSTER_PREFIX + backend;
    boolean ip = IPV4.matcher(url.host()).matches() || url.host().contains(":");
    Cluster.Builder c =
        Cluster.newBuilder()
            .setName(name)
            .setAltStatName("tracing_" + backend)
            .setType(ip ? Cluster.DiscoveryType.STATIC : Cluster.DiscoveryType.STRICT_DNS)
            .setConnectTimeout(Durations.fromSeconds(SidecarGenerator.CONNECT_TIMEOUT_SECONDS))
            .setLoadAssignment(
                ClusterLoadAssignment.newBuilder()
                    .setClusterName(name)
                    .addEndpoints(
                        LocalityLbEndpoints.newBuilder()
                            .addLbEndpoints(Xds.endpoint(url.host(), url.port(), 1))));
    if (!ip) {
      c.setDnsLookupFamily(Cluster.DnsLookupFamily.V4_ONLY);
    }
    if (url.tls()) {
      c.setTransportSocket(
          Xds.tls(
              UpstreamTlsContext.newBuilder()
                  .setSni(url.host())
                  .setAllowRenegotiation(true)
                  .build()));
    }
    return c.build();
  }

  private static HttpConnectionManager.Tracing hcmTracing(
      MeshSpec.TracingBackend b, ZipkinUrl url) {
    Map<String, Object> conf = b.conf();
    ZipkinConfig.Builder zipkin =
        ZipkinConfig.newBuilder()
            .setCollectorCluster(CLUSTER_PREFIX + b.name())
            .setCollectorEndpoint(url.path())
            .setTraceId128Bit(Boolean.TRUE.equals(conf.get("traceId128bit")))
            .setCollectorEndpointVersion(
                "httpProto".equals(conf.get("apiVersion"))
                    ? ZipkinConfig.CollectorEndpointVersion.HTTP_PROTO
                    : ZipkinConfig.CollectorEndpointVersion.HTTP_JSON)
            .setCollectorHostname(url.authority());
    if (conf.get("sharedSpanContext") instanceof Boolean shared) {
      zipkin.setSharedSpanContext(BoolValue.of(shared));
    }
    HttpConnectionManager.Tracing.Builder t =
        HttpConnectionManager.Tracing.newBuilder()
            .setSpawnUpstreamSpan(BoolValue.of(false))
            .setProvider(
                io.envoyproxy.envoy.config.trace.v3.Tracing.Http.newBuilder()
                    .setName(ZIPKIN_TRACER)
                    .setTypedConfig(Xds.pack(zipkin.build())));
    if (b.sampling() != null) {
      t.setOverallSampling(Percent.newBuilder().setValue(b.sampling()));
    }
    return t.build();
  }

  private static void unusable(Resource dataplane, Resource trace, String why) {
    String message = dataplane.key() + ": TrafficTrace '" + trace.name() + "': " + why;
    if (UNUSABLE.firstTime(message)) {
      log.warn("{}; the proxy is not traced", message);
    }
  }
}

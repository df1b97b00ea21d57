package io.meshfed.zone.xds;

import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.exception.RequestException;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows every xDS stream: which proxy it belongs to (from the node in its first request), what
 * was sent, what Envoy acknowledged or rejected. A NACK is logged with Envoy's reason and counted;
 * java-control-plane then sends nothing more for that type until the config changes, so Envoy keeps
 * its previous config. Connects and disconnects are passed on to a {@link Listener}.
 *
 * <p>Confinement: the number of open streams per proxy lives in {@link #openStreams} and changes
 * only inside one {@code compute} per open or close, which also tells the listener when the count
 * goes from 0 to 1 or from 1 to 0. A reconnect racing the close of a proxy's last stream therefore
 * reaches the listener in the order the counts changed: a proxy with an open stream is always
 * connected for the listener.
 */
final class ProxyStreams implements DiscoveryServerCallbacks {
  private static final Logger log = LoggerFactory.getLogger(ProxyStreams.class);

  /** The node metadata field with Envoy's admin port (Kuma's name). */
  static final String ADMIN_PORT = "dataplane.admin.port";

  /** Told when a proxy's first stream opens and its last one closes, and on every change. */
  interface Listener {
    /**
     * The first stream of {@code proxy} opened.
     *
     * @param metadata what its node metadata says (admin port, access log FIFO)
     */
    void onConnected(ProxyId proxy, NodeMetadata metadata);

    /**
     * The last stream of {@code proxy} closed. Called, like {@link #onConnected}, while the proxy's
     * stream count is locked: keep it short and do not call back into {@link ProxyStreams}.
     */
    void onDisconnected(ProxyId proxy, Subscription last);

    void onChanged(Subscription subscription);
  }

  private final String zone;
  private final String instanceId;
  private final Clock clock;
  private final MeterRegistry meters;
  private final Listener listener;
  private final StreamGuard guard;
  private final Map<Long, Subscription> streams = new ConcurrentHashMap<>();
  // open streams per proxy; an entry exists while the count is above 0
  private final Map<ProxyId, Integer> openStreams = new ConcurrentHashMap<>();
  private final AtomicInteger connected = new AtomicInteger();

  ProxyStreams(
      String zone, String instanceId, Clock clock, MeterRegistry meters, Listener listener) {
    this(zone, instanceId, clock, meters, listener, null);
  }

  /**
   * @param guard checks each stream's dataplane token against the proxy its node names, and closes
   *     the stream when the token is revoked or expires; null when tokens are not required
   */
  ProxyStreams(
      String zone,
      String instanceId,
      Clock clock,
      MeterRegistry meters,
      Listener listener,
      StreamGuard guard) {
    this.guard = guard;
    this.zone = zone;
    this.instanceId = instanceId;
    this.clock = clock;
    this.meters = meters;
    this.listener = listener;
    meters.gauge("xds_proxies_connected", List.of(), connected, AtomicInteger::get);
    // Kuma's name; counts the streams whose first request named their proxy
    Gauge.builder("xds_streams_active", streams, Map::size)
        .description("Open xDS streams of identified proxies")
        .register(meters);
  }

  /** The proxies with at least one open stream. */
  Set<ProxyId> connectedProxies() {
    return Set.copyOf(openStreams.keySet());
  }

  /** The version of the response with {@code nonce} sent to node {@code nodeId}, if known. */
  Optional<String> versionSent(String nodeId, String typeUrl, String nonce) {
    for (Subscription s : streams.values()) {
      Subscription.Sent sent = s.lastSent().get(typeUrl);
      if (sent != null && sent.nonce().equals(nonce) && s.proxy().nodeId().equals(nodeId)) {
        return Optional.of(sent.version());
      }
    }
    return Optional.empty();
  }

  /** The open subscriptions of {@code proxy}. */
  List<Subscription> subscriptions(ProxyId proxy) {
    return streams.values().stream().filter(s -> s.proxy().equals(proxy)).toList();
  }

  @Override
  public void onV3StreamRequest(long streamId, DiscoveryRequest request) throws RequestException {
    Subscription current = streams.get(streamId);
    if (current == null) {
      current = open(streamId, request);
    }
    if (request.getResponseNonce().isEmpty()) {
      return;
    }
    String type = request.getTypeUrl();
    Subscription updated;
    if (request.hasErrorDetail()) {
      log.warn(
          "zone={} {}: Envoy rejected {} version {} (nonce {}): {}",
          zone,
          current.proxy(),
          XdsTypes.shortName(type),
          current.lastSent().containsKey(type)
              ? current.lastSent().get(type).version()
              : "(unknown)",
          request.getResponseNonce(),
          request.getErrorDetail().getMessage());
      Counter.builder("xds_nacks_total")
          .tag("type", XdsTypes.shortName(type))
          .register(meters)
          .increment();
      updated = streams.computeIfPresent(streamId, (id, s) -> s.rejected(type));
    } else {
      updated =
          streams.computeIfPresent(
              streamId,
              (id, s) ->
                  s.acked(
                      type, request.getResponseNonce(), request.getVersionInfo(), clock.instant()));
    }
    if (updated != null) {
      listener.onChanged(updated);
    }
  }

  private Subscription open(long streamId, DiscoveryRequest request) throws RequestException {
    ProxyId proxy;
    try {
      proxy = ProxyId.fromNode(request.getNode());
    } catch (IllegalArgumentException e) {
      log.warn("zone={}: xDS stream {} refused: {}", zone, streamId, e.getMessage());
      throw new RequestException(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
    }
    if (guard != null) {
      guard.admit(streamId, proxy, XdsCredentials.currentToken(), ClosableAds.current());
    }
    String envoyVersion =
        request.getNode().hasUserAgentBuildVersion()
            ? versionString(request.getNode().getUserAgentBuildVersion())
            : null;
    Subscription s =
        Subscription.open(
            instanceId + "-" + streamId, instanceId, proxy, envoyVersion, clock.instant());
    streams.put(streamId, s);
    NodeMetadata metadata = NodeMetadata.of(request.getNode());
    openStreams.compute(
        proxy,
        (p, open) -> {
          if (open == null) {
            connected.incrementAndGet();
            listener.onConnected(p, metadata);
            return 1;
          }
          return open + 1;
        });
    log.info("zone={} {}: xDS stream {} opened (Envoy {})", zone, proxy, streamId, envoyVersion);
    listener.onChanged(s);
    return s;
  }

  /**
   * {@code dataplane.admin.port} of the node metadata (a string, as kuma-dp sends it, or a number),
   * when it is a port.
   */
  static Optional<Integer> adminPort(io.envoyproxy.envoy.config.core.v3.Node node) {
    com.google.protobuf.Value v = node.getMetadata().getFieldsMap().get(ADMIN_PORT);
    if (v == null) {
      return Optional.empty();
    }
    int port;
    if (v.hasNumberValue()) {
      port = (int) v.getNumberValue();
    } else {
      try {
        port = Integer.parseInt(v.getStringValue().strip());
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
    return port >= 1 && port <= 65535 ? Optional.of(port) : Optional.empty();
  }

  private static String versionString(io.envoyproxy.envoy.config.core.v3.BuildVersion v) {
    return v.getVersion().getMajorNumber()
        + "."
        + v.getVersion().getMinorNumber()
        + "."
        + v.getVersion().getPatch();
  }

  @Override
  public void onV3StreamResponse(
      long streamId, DiscoveryRequest request, DiscoveryResponse response) {
    Counter.builder("xds_responses_sent_total")
        .tag("type", XdsTypes.shortName(response.getTypeUrl()))
        .register(meters)
        .increment();
    Subscription updated =
        streams.computeIfPresent(
            streamId,
            (id, s) ->
                s.sent(
                    response.getTypeUrl(),
                    response.getNonce(),
                    response.getVersionInfo(),
                    clock.instant()));
    if (updated != null) {
      listener.onChanged(updated);
    }
  }

  @Override
  public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request)
      throws RequestException {
    throw new RequestException(
        Status.UNIMPLEMENTED.withDescription(
            "meshfed serves state-of-the-world ADS; set ads_config.api_type: GRPC"));
  }

  @Override
  public void onStreamClose(long streamId, String typeUrl) {
    closed(streamId, Optional.empty());
  }

  @Override
  public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
    closed(streamId, Optional.of(error));
  }

  private void closed(long streamId, Optional<Throwable> error) {
    if (guard != null) {
      guard.forget(streamId);
    }
    Subscription s = streams.remove(streamId);
    if (s == null) {
      return;
    }
    Subscription last = s.closed(clock.instant());
    Status status = error.map(Status::fromThrowable).orElse(Status.OK);
    log.info(
        "zone={} {}: xDS stream {} closed{}",
        zone,
        s.proxy(),
        streamId,
        status.isOk() || status.getCode() == Status.Code.CANCELLED
            ? ""
            : " (" + status.getCode() + ": " + status.getDescription() + ")");
    listener.onChanged(last);
    openStreams.computeIfPresent(
        s.proxy(),
        (p, open) -> {
          if (open > 1) {
            return open - 1;
          }
          connected.decrementAndGet();
          listener.onDisconnected(p, last);
          return null;
        });
  }
}

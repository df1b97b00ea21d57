package io.meshfed.global.kds;

import io.grpc.Context;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.meshfed.kds.KdsSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How global serves KDS. The seams for security live here: {@code credentials} (TLS; plaintext when
 * null, for tests) and {@code interceptors} (the zone-token interceptor, which must put the
 * verified zone into {@link io.meshfed.kds.KdsPeer#ZONE_NAME}). Interceptors run in list order,
 * before global's own per-zone connection guard.
 *
 * @param bindAddress address to listen on; null binds the REST API's address
 * @param credentials server credentials; null serves plaintext
 * @param interceptors run on every KDS call, first one first
 * @param settings budgets, back-offs and heartbeats of the KDS streams
 * @param zoneVersionKey where the handshake interceptor puts the zone control plane's version; null
 *     when nobody does
 * @param insightFlushInterval {@code ZoneInsight} counters are written at most this often
 * @param keepAliveTime gRPC keepalive: pings sent after this much idle time, and the shortest ping
 *     interval accepted from zones
 * @param keepAliveTimeout a connection whose ping is unanswered for this long is closed
 * @param maxConnectionAge connections older than this are asked to reconnect (null: no limit)
 * @param maxCallsPerConnection concurrent RPCs a single connection may open
 * @param startTimeout how long {@code start} waits for the store to load before failing
 * @param maxPendingConnections most connections accepted and not yet authenticated at once; more
 *     are closed as soon as they are accepted
 * @param authenticationDeadline a connection that has not opened an authenticated call this long
 *     after its accept (TLS handshake included) is closed
 * @param zoneOfflineGrace a zone without a KDS stream for this long is offline: the other zones
 *     keep its ingresses but stop sending to them until it is back
 */
public record KdsServerOptions(
    String bindAddress,
    ServerCredentials credentials,
    List<ServerInterceptor> interceptors,
    KdsSettings settings,
    Context.Key<String> zoneVersionKey,
    Duration insightFlushInterval,
    Duration keepAliveTime,
    Duration keepAliveTimeout,
    Duration maxConnectionAge,
    int maxCallsPerConnection,
    Duration startTimeout,
    int maxPendingConnections,
    Duration authenticationDeadline,
    Duration zoneOfflineGrace) {

  public KdsServerOptions {
    interceptors = List.copyOf(interceptors);
    Objects.requireNonNull(settings, "settings");
    requirePositive(insightFlushInterval, "insightFlushInterval");
    requirePositive(keepAliveTime, "keepAliveTime");
    requirePositive(keepAliveTimeout, "keepAliveTimeout");
    if (maxConnectionAge != null) {
      requirePositive(maxConnectionAge, "maxConnectionAge");
    }
    if (maxCallsPerConnection < 4) {
      throw new IllegalArgumentException(
          "maxCallsPerConnection must be at least 4 (a zone opens three streams, GlobalToZoneSync,"
              + " ZoneToGlobalSync and InspectRelay, and SignZoneCa calls), got "
              + maxCallsPerConnection);
    }
    requirePositive(startTimeout, "startTimeout");
    if (maxPendingConnections < 1) {
      throw new IllegalArgumentException(
          "maxPendingConnections must be at least 1, got " + maxPendingConnections);
    }
    requirePositive(authenticationDeadline, "authenticationDeadline");
    requirePositive(zoneOfflineGrace, "zoneOfflineGrace");
  }

  public static final int DEFAULT_MAX_PENDING_CONNECTIONS = 128;
  public static final Duration DEFAULT_AUTHENTICATION_DEADLINE = Duration.ofSeconds(10);
  public static final Duration DEFAULT_ZONE_OFFLINE_GRACE = Duration.ofSeconds(30);

  /** Sets how long a zone may be without a KDS stream before the other zones stop routing to it. */
  public KdsServerOptions withZoneOfflineGrace(Duration grace) {
    return new KdsServerOptions(
        bindAddress,
        credentials,
        interceptors,
        settings,
        zoneVersionKey,
        insightFlushInterval,
        keepAliveTime,
        keepAliveTimeout,
        maxConnectionAge,
        maxCallsPerConnection,
        startTimeout,
        maxPendingConnections,
        authenticationDeadline,
        grace);
  }

  /** Sets the cap on connections waiting for authentication and how long they may wait. */
  public KdsServerOptions withConnectionLimits(int maxPending, Duration deadline) {
    return new KdsServerOptions(
        bindAddress,
        credentials,
        interceptors,
        settings,
        zoneVersionKey,
        insightFlushInterval,
        keepAliveTime,
        keepAliveTimeout,
        maxConnectionAge,
        maxCallsPerConnection,
        startTimeout,
        maxPending,
        deadline,
        zoneOfflineGrace);
  }

  private static void requirePositive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive (got " + d + ")");
    }
  }

  /**
   * Plaintext on the API's address, no interceptors, default KDS settings, 1s insight flushes, 15s
   * keepalive (Kuma's), no connection age limit, 16 calls per connection, 60s start timeout, 128
   * connections waiting for authentication, 10s to authenticate, zones offline after 30s without a
   * stream.
   */
  public static KdsServerOptions defaults() {
    return new KdsServerOptions(
        null,
        null,
        List.of(),
        KdsSettings.defaults(),
        null,
        Duration.ofSeconds(1),
        Duration.ofSeconds(15),
        Duration.ofSeconds(15),
        null,
        16,
        Duration.ofSeconds(60),
        DEFAULT_MAX_PENDING_CONNECTIONS,
        DEFAULT_AUTHENTICATION_DEADLINE,
        DEFAULT_ZONE_OFFLINE_GRACE);
  }

  public KdsServerOptions withBindAddress(String address) {
    return new KdsServerOptions(
        address,
        credentials,
        interceptors,
        settings,
        zoneVersionKey,
        insightFlushInterval,
        keepAliveTime,
        keepAliveTimeout,
        maxConnectionAge,
        maxCallsPerConnection,
        startTimeout,
        maxPendingConnections,
        authenticationDeadline,
        zoneOfflineGrace);
  }

  public KdsServerOptions withCredentials(ServerCredentials newCredentials) {
    return new KdsServerOptions(
        bindAddress,
        newCredentials,
        interceptors,
        settings,
        zoneVersionKey,
        insightFlushInterval,
        keepAliveTime,
        keepAliveTimeout,
        maxConnectionAge,
        maxCallsPerConnection,
        startTimeout,
        maxPendingConnections,
        authenticationDeadline,
        zoneOfflineGrace);
  }

  /** Adds an interceptor that runs after those already added. */
  public KdsServerOptions withInterceptor(ServerInterceptor interceptor) {
    List<ServerInterceptor> more = new ArrayList<>(interceptors);
    more.add(Objects.requireNonNull(interceptor, "interceptor"));
    return new KdsServerOptions(
        bindAddress,
        credentials,
        more,
        settings,
        zoneVersionKey,
        insightFlushInterval,
        keepAliveTime,
        keepAliveTimeout,
        maxConnectionAge,
        maxCallsPerConnection,
        startTimeout,
        maxPendingConnections,
        authenticationDeadline,
        zoneOfflineGrace);
  }

  public KdsServerOptions withSettings(KdsSettings newSettings) {
    return new KdsServerOptions(
        bindAddress,
        credentials,
        interceptors,
        newSettings,
        zoneVersionKey,
        insightFlushInterval,
        keepAliveTime,
        keepAliveTimeout,
        maxConnectionAge,
        maxCallsPerConnection,
        startTimeout,
        maxPendingConnections,
        authenticationDeadline,
        zoneOfflineGrace);
  }

  public KdsServerOptions withZoneVersionKey(Context.Key<String> key) {
    return new KdsServerOptions(
        bindAddress,
        credentials,
        interceptors,
        settings,
        key,
        insightFlushInterval,
        keepAliveTime,
        keepAliveTimeout,
        maxConnectionAge,
        maxCallsPerConnection,
        startTimeout,
        maxPendingConnections,
        authenticationDeadline,
        zoneOfflineGrace);
  }

  public KdsServerOptions withInsightFlushInterval(Duration interval) {
    return new KdsServerOptions(
        bindAddress,
        credentials,
        interceptors,
        settings,
        zoneVersionKey,
        interval,
        keepAliveTime,
        keepAliveTimeout,
        maxConnectionAge,
        maxCallsPerConnection,
        startTimeout,
        maxPendingConnections,
        authenticationDeadline,
        zoneOfflineGrace);
  }

  public KdsServerOptions withMaxConnectionAge(Duration age) {
    return new KdsServerOptions(
        bindAddress,
        credentials,
        interceptors,
        settings,
        zoneVersionKey,
        insightFlushInterval,
        keepAliveTime,
        keepAliveTimeout,
        age,
        maxCallsPerConnection,
        startTimeout,
        maxPendingConnections,
        authenticationDeadline,
        zoneOfflineGrace);
  }
}

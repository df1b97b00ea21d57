package io.meshfed.zone.kds;

import io.meshfed.kds.Backoff;
import io.meshfed.kds.KdsSettings;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Tunables of the zone's KDS client.
 *
 * @param settings KDS stream settings (budgets, heartbeats, NACK back-off)
 * @param reconnectBase first reconnect delay (jittered, doubling up to {@code reconnectCap})
 * @param reconnectCap longest reconnect delay
 * @param healthyRun a connection that lasted this long resets the reconnect delay
 * @param keepAliveTime gRPC keepalive ping interval on the channel (global must permit it)
 * @param keepAliveTimeout how long an unanswered keepalive ping waits before the connection is
 *     considered dead
 */
public record KdsClientOptions(
    KdsSettings settings,
    Duration reconnectBase,
    Duration reconnectCap,
    Duration healthyRun,
    Duration keepAliveTime,
    Duration keepAliveTimeout) {

  public KdsClientOptions {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(reconnectBase, "reconnectBase");
    Objects.requireNonNull(reconnectCap, "reconnectCap");
    Objects.requireNonNull(healthyRun, "healthyRun");
    Objects.requireNonNull(keepAliveTime, "keepAliveTime");
    Objects.requireNonNull(keepAliveTimeout, "keepAliveTimeout");
    if (keepAliveTime.isNegative()
        || keepAliveTime.isZero()
        || keepAliveTimeout.isNegative()
        || keepAliveTimeout.isZero()) {
      throw new IllegalArgumentException(
          "keepalive time and timeout must be positive (got "
              + keepAliveTime
              + " / "
              + keepAliveTimeout
              + ")");
    }
  }

  /**
   * Default KDS settings; reconnect after 5s doubling to 1m (reset after a 1m healthy run), like
   * Kuma; keepalive pings every 15s with a 15s timeout.
   */
  public static KdsClientOptions defaults() {
    return new KdsClientOptions(
        KdsSettings.defaults(),
        Duration.ofSeconds(5),
        Duration.ofMinutes(1),
        Duration.ofMinutes(1),
        Duration.ofSeconds(15),
        Duration.ofSeconds(15));
  }

  public KdsClientOptions withSettings(KdsSettings newSettings) {
    return new KdsClientOptions(
        newSettings, reconnectBase, reconnectCap, healthyRun, keepAliveTime, keepAliveTimeout);
  }

  public KdsClientOptions withReconnect(Duration base, Duration cap) {
    return new KdsClientOptions(settings, base, cap, healthyRun, keepAliveTime, keepAliveTimeout);
  }

  /** A new jittered back-off with these delays. */
  Backoff newBackoff() {
    return new Backoff(
        reconnectBase, reconnectCap, healthyRun, () -> ThreadLocalRandom.current().nextDouble());
  }
}

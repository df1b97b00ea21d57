package io.meshfed.zone.kds;

import java.time.Instant;
import java.util.Objects;

/**
 * The zone's view of its KDS connection to global, as served on {@code GET /status/global}.
 *
 * @param zone this zone
 * @param globalAddress the global address dialled now (of several: the one connected to, or being
 *     tried)
 * @param connected true while a KDS session is accepted by global
 * @param lastConnectTime when global last accepted a session, or null
 * @param lastDisconnectTime when the last accepted session ended, or null
 * @param lastError why the last attempt or session ended, or null
 * @param lastErrorCode the gRPC status code of {@code lastError}, or null
 * @param refusedByGlobal true when global refused the zone (token, zone name or version), which the
 *     operator has to fix
 * @param attempts how many sessions were attempted since start
 * @param nextAttemptTime when the next attempt is due, or null while connected or connecting
 */
public record GlobalConnectionStatus(
    String zone,
    String globalAddress,
    boolean connected,
    Instant lastConnectTime,
    Instant lastDisconnectTime,
    String lastError,
    String lastErrorCode,
    boolean refusedByGlobal,
    long attempts,
    Instant nextAttemptTime) {

  public GlobalConnectionStatus {
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(globalAddress, "globalAddress");
  }

  /** Never connected, no attempt yet (also a replica that does not hold the connection). */
  public static GlobalConnectionStatus initial(String zone, String globalAddress) {
    return new GlobalConnectionStatus(
        zone, globalAddress, false, null, null, null, null, false, 0, null);
  }

  GlobalConnectionStatus attempting(long attempt) {
    return new GlobalConnectionStatus(
        zone,
        globalAddress,
        false,
        lastConnectTime,
        lastDisconnectTime,
        lastError,
        lastErrorCode,
        refusedByGlobal,
        attempt,
        null);
  }

  GlobalConnectionStatus dialling(String address) {
    return new GlobalConnectionStatus(
        zone,
        address,
        connected,
        lastConnectTime,
        lastDisconnectTime,
        lastError,
        lastErrorCode,
        refusedByGlobal,
        attempts,
        nextAttemptTime);
  }

  GlobalConnectionStatus connectedAt(Instant now) {
    return new GlobalConnectionStatus(
        zone, globalAddress, true, now, lastDisconnectTime, null, null, false, attempts, null);
  }

  GlobalConnectionStatus failed(
      Instant now, boolean wasConnected, String error, String code, boolean refused, Instant next) {
    return new GlobalConnectionStatus(
        zone,
        globalAddress,
        false,
        lastConnectTime,
        wasConnected ? now : lastDisconnectTime,
        error,
        code,
        refused,
        attempts,
        next);
  }
}

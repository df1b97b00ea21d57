package io.meshfed.global.kds;

import io.grpc.Status;
import io.meshfed.global.kds.auth.ZoneHandshake;
import io.meshfed.global.kds.auth.ZoneTokenKeys;
import java.time.Clock;
import java.time.Instant;
import java.util.function.Function;

/**
 * Whether a zone may open, or keep, a KDS stream: its {@code Zone} resource must not say {@code
 * enabled: false}, and the token its stream authenticated with must not have expired, been revoked,
 * or lost its signing key since. Answers the status to close the stream with, or null. Stateless
 * and thread-safe.
 */
final class ZoneAccess {
  private final Function<String, ZoneDirectory.State> zones;
  private final ZoneTokenKeys tokens;
  private final Clock clock;

  /**
   * @param zones the state of a zone's {@code Zone} resource
   * @param tokens signing keys and revocations; null when zones are not authenticated by tokens
   * @param clock time source for token expiry
   */
  ZoneAccess(Function<String, ZoneDirectory.State> zones, ZoneTokenKeys tokens, Clock clock) {
    this.zones = zones;
    this.tokens = tokens;
    this.clock = clock;
  }

  /** Why {@code zone} may not connect now, or null. */
  Status atConnect(String zone) {
    if (zones.apply(zone) == ZoneDirectory.State.DISABLED) {
      return disabled(zone, "refused");
    }
    return null;
  }

  /**
   * Why an open stream of {@code zone} must be closed now, or null.
   *
   * @param handshake the stream's verified handshake, or null when it carried no token
   * @param zoneSeen whether the zone's {@code Zone} resource existed while the stream was open
   */
  Status whileOpen(String zone, ZoneHandshake handshake, boolean zoneSeen) {
    if (handshake != null && tokens != null) {
      Status token = tokenProblem(zone, handshake);
      if (token != null) {
        return token;
      }
    }
    ZoneDirectory.State state = zones.apply(zone);
    if (state == ZoneDirectory.State.DISABLED) {
      return disabled(zone, "closed");
    }
    if (state == ZoneDirectory.State.ABSENT && zoneSeen) {
      return Status.ABORTED.withDescription(
          "Zone '"
              + zone
              + "' was deleted on global: its KDS connection is closed. A zone that reconnects is"
              + " registered again as on its first connect; to keep it out, set 'enabled: false'"
              + " on its Zone or revoke its token (`meshfed revoke zone-token --id ID`)");
    }
    return null;
  }

  boolean zoneExists(String zone) {
    return zones.apply(zone) != ZoneDirectory.State.ABSENT;
  }

  private Status tokenProblem(String zone, ZoneHandshake handshake) {
    Instant now = clock.instant();
    if (!now.isBefore(handshake.tokenExpiry())) {
      return Status.UNAUTHENTICATED.withDescription(
          "zone token "
              + handshake.tokenId()
              + " of zone '"
              + zone
              + "' expired at "
              + handshake.tokenExpiry()
              + "; put a new token (`meshfed generate zone-token --zone "
              + zone
              + "`) into the zone's --zone-token-file, it is read on every reconnect");
    }
    if (tokens.isRevoked(handshake.tokenId())) {
      return Status.UNAUTHENTICATED.withDescription(
          "zone token "
              + handshake.tokenId()
              + " of zone '"
              + zone
              + "' was revoked; put a new token (`meshfed generate zone-token --zone "
              + zone
              + "`) into the zone's --zone-token-file");
    }
    if (!tokens.verificationKeys().containsKey(handshake.tokenKid())) {
      return Status.UNAUTHENTICATED.withDescription(
          "zone token "
              + handshake.tokenId()
              + " of zone '"
              + zone
              + "' was signed with key '"
              + handshake.tokenKid()
              + "', which was removed from global; put a token signed with the current key"
              + " (`meshfed generate zone-token --zone "
              + zone
              + "`) into the zone's --zone-token-file");
    }
    return null;
  }

  private static Status disabled(String zone, String what) {
    return Status.PERMISSION_DENIED.withDescription(
        "zone '"
            + zone
            + "' is disabled on global (its Zone resource says 'enabled: false'), so its KDS"
            + " connection is "
            + what
            + "; set 'enabled: true' on Zone '"
            + zone
            + "' (e.g. `meshfed apply`) to let it connect");
  }
}

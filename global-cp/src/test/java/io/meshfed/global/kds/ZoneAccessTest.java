package io.meshfed.global.kds;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.meshfed.global.kds.auth.ZoneHandshake;
import io.meshfed.global.kds.auth.ZoneTokenKeys;
import io.meshfed.global.kds.auth.ZoneTokenSigningKey;
import io.meshfed.store.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What closes an open zone stream, driven by a fake clock. */
class ZoneAccessTest {
  private static final ZoneTokenSigningKey KEY = ZoneTokenSigningKey.generate("1");
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final Map<String, ZoneDirectory.State> zones = new HashMap<>();
  private final Set<String> revoked = new java.util.HashSet<>();
  private final Map<String, java.security.PublicKey> keys =
      new HashMap<>(Map.of("1", KEY.publicKey()));
  private final ZoneTokenKeys trust =
      new ZoneTokenKeys() {
        @Override
        public Map<String, java.security.PublicKey> verificationKeys() {
          return Map.copyOf(keys);
        }

        @Override
        public boolean isRevoked(String jti) {
          return revoked.contains(jti);
        }
      };
  private final ZoneAccess access =
      new ZoneAccess(z -> zones.getOrDefault(z, ZoneDirectory.State.ABSENT), trust, clock);
  private final Instant expiry = clock.instant().plus(Duration.ofHours(1));
  private final ZoneHandshake handshake =
      new ZoneHandshake("zone-1", "1.0.0", Set.of(), "token-1", "1", expiry);

  @Test
  void aStreamIsClosedTheMomentItsTokenExpires() {
    zones.put("zone-1", ZoneDirectory.State.ENABLED);
    clock.advance(Duration.ofMinutes(59));
    assertThat(access.whileOpen("zone-1", handshake, true)).isNull();

    clock.advance(Duration.ofMinutes(1));
    Status closed = access.whileOpen("zone-1", handshake, true);

    assertThat(closed.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(closed.getDescription())
        .isEqualTo(
            "zone token token-1 of zone 'zone-1' expired at 2026-01-01T01:00:00Z; put a new token"
                + " (`meshfed generate zone-token --zone zone-1`) into the zone's"
                + " --zone-token-file, it is read on every reconnect");
  }

  @Test
  void revokedTokensRemovedKeysDisabledAndDeletedZonesCloseTheStream() {
    zones.put("zone-1", ZoneDirectory.State.ENABLED);
    revoked.add("token-1");
    assertThat(access.whileOpen("zone-1", handshake, true).getDescription()).contains("revoked");
    revoked.clear();
    keys.clear();
    assertThat(access.whileOpen("zone-1", handshake, true).getDescription())
        .contains("key '1', which was removed");
    keys.put("1", KEY.publicKey());

    zones.put("zone-1", ZoneDirectory.State.DISABLED);
    assertThat(access.atConnect("zone-1").getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(access.whileOpen("zone-1", handshake, true).getDescription())
        .contains("zone 'zone-1' is disabled");

    zones.remove("zone-1");
    assertThat(access.atConnect("zone-1")).as("first connect: global creates the Zone").isNull();
    assertThat(access.whileOpen("zone-1", handshake, false)).isNull();
    assertThat(access.whileOpen("zone-1", handshake, true).getCode())
        .isEqualTo(Status.Code.ABORTED);
  }
}

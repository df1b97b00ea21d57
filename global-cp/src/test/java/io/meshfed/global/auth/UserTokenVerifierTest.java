package io.meshfed.global.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.api.auth.InvalidTokenException;
import io.meshfed.api.auth.Jws;
import io.meshfed.api.auth.Principal;
import io.meshfed.api.auth.UserTokenVerifier;
import io.meshfed.global.kds.auth.ZoneTokenIssuer;
import io.meshfed.global.kds.auth.ZoneTokenSigningKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UserTokenVerifierTest {
  private static final ZoneTokenSigningKey KEY = ZoneTokenSigningKey.generate(UserTokenIssuer.KID);
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private final Set<String> revoked = new HashSet<>();
  private final MutableClock clock = new MutableClock(T0);
  private final UserTokenIssuer issuer = new UserTokenIssuer(KEY, clock);
  private final UserTokenVerifier verifier =
      UserTokenVerifier.forKey(KEY.kid(), KEY.publicKey(), revoked::contains, clock);

  @Test
  void aFreshTokenGivesItsNameAndGroups() {
    String token = issuer.issue("jane", Set.of("team-a", "team-b"), Duration.ofHours(1)).token();

    Principal p = verifier.verify(token);

    assertThat(p.name()).isEqualTo("jane");
    assertThat(p.groups())
        .containsExactlyInAnyOrder("team-a", "team-b", Principal.AUTHENTICATED_GROUP);
    assertThat(p.anonymous()).isFalse();
    assertThat(p.isAdmin()).isFalse();
    assertThat(
            verifier
                .verify(
                    issuer
                        .issue("root", Set.of(Principal.ADMIN_GROUP), Duration.ofHours(1))
                        .token())
                .isAdmin())
        .isTrue();
  }

  @Test
  void anExpiredTokenIsRefusedAfterTheSkew() {
    String token = issuer.issue("jane", Set.of(), Duration.ofHours(1)).token();
    clock.now = T0.plus(Duration.ofHours(1)).plusSeconds(30);
    assertThat(verifier.verify(token).name()).isEqualTo("jane");

    clock.now = T0.plus(Duration.ofHours(1)).plus(Duration.ofMinutes(2));
    assertThatThrownBy(() -> verifier.verify(token))
        .isInstanceOf(InvalidTokenException.class)
        .hasMessageContaining("expired");
  }

  @Test
  void aRevokedTokenIsRefusedByItsId() {
    UserTokenIssuer.Issued issued = issuer.issue("jane", Set.of(), Duration.ofHours(1));
    String other = issuer.issue("jane", Set.of(), Duration.ofHours(1)).token();
    revoked.add(issued.id());

    assertThatThrownBy(() -> verifier.verify(issued.token()))
        .isInstanceOf(InvalidTokenException.class)
        .hasMessageContaining(issued.id() + " is revoked");
    assertThat(verifier.verify(other).name()).isEqualTo("jane");
  }

  @Test
  void aTokenFromAnotherKeyOrAlteredIsRefused() {
    UserTokenIssuer stranger =
        new UserTokenIssuer(ZoneTokenSigningKey.generate(UserTokenIssuer.KID), clock);
    assertThatThrownBy(
            () -> verifier.verify(stranger.issue("jane", Set.of(), Duration.ofHours(1)).token()))
        .isInstanceOf(InvalidTokenException.class)
        .hasMessageContaining("signature does not match");

    String token = issuer.issue("jane", Set.of(), Duration.ofHours(1)).token();
    String[] parts = token.split("\\.");
    ObjectNode claims = (ObjectNode) Jws.decodeJsonObject(parts[1], "payload");
    claims.putArray("groups").add(Principal.ADMIN_GROUP);
    String forged = parts[0] + "." + Jws.encodeJson(claims) + "." + parts[2];
    assertThatThrownBy(() -> verifier.verify(forged))
        .isInstanceOf(InvalidTokenException.class)
        .hasMessageContaining("signature does not match");
  }

  @Test
  void aZoneTokenIsNotAUserToken() {
    ZoneTokenIssuer zones = new ZoneTokenIssuer(ZoneTokenSigningKey.generate("1"), clock);
    assertThatThrownBy(() -> verifier.verify(zones.issue("zone-1", Duration.ofHours(1))))
        .isInstanceOf(InvalidTokenException.class)
        .hasMessageContaining("not a user token key this control plane knows");
    // Even signed with the user key, a token without a name is not a user token.
    ZoneTokenIssuer sameKey = new ZoneTokenIssuer(KEY, clock);
    assertThatThrownBy(() -> verifier.verify(sameKey.issue("zone-1", Duration.ofHours(1))))
        .isInstanceOf(InvalidTokenException.class)
        .hasMessageContaining("no name claim");
  }

  @Test
  void unsignedAndMalformedTokensAreRefused() {
    ObjectNode header = Jws.JSON.createObjectNode().put("alg", "none").put("kid", KEY.kid());
    ObjectNode claims =
        Jws.JSON
            .createObjectNode()
            .put("name", "x")
            .put("jti", "1")
            .put("iat", T0.getEpochSecond())
            .put("exp", T0.plusSeconds(60).getEpochSecond());
    String none = Jws.encodeJson(header) + "." + Jws.encodeJson(claims) + ".";
    assertThatThrownBy(() -> verifier.verify(none))
        .isInstanceOf(InvalidTokenException.class)
        .hasMessageContaining("RS256");
    for (String bad : new String[] {"", "a.b", "a.b.c", "x".repeat(9000)}) {
      assertThatThrownBy(() -> verifier.verify(bad)).isInstanceOf(InvalidTokenException.class);
    }
  }

  @Test
  void theIssuerRefusesBadInput() {
    assertThatThrownBy(() -> issuer.issue(" ", Set.of(), Duration.ofHours(1)))
        .hasMessageContaining("name");
    assertThatThrownBy(() -> issuer.issue("jane", Set.of(""), Duration.ofHours(1)))
        .hasMessageContaining("groups");
    assertThatThrownBy(() -> issuer.issue("jane", Set.of(), Duration.ZERO))
        .hasMessageContaining("validFor");
    assertThatThrownBy(() -> issuer.issue("jane", Set.of(), Duration.ofDays(4000)))
        .hasMessageContaining("validFor");
  }

  /** A clock the test moves. */
  static final class MutableClock extends Clock {
    volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}

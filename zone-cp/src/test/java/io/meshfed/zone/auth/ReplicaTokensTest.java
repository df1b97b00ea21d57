package io.meshfed.zone.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.api.auth.InvalidTokenException;
import io.meshfed.api.auth.Principal;
import io.meshfed.api.auth.TokenVerifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplicaTokensTest {
  static final String PATH = "/meshes/default/dataplanes/web/xds";
  static final Clock NOW = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

  final ReplicaTokens a = ReplicaTokens.generate("zone-1-a", NOW);
  final ReplicaTokens other = ReplicaTokens.generate("zone-1-a", NOW);
  final TokenVerifier users =
      token -> {
        if (token.equals("user")) {
          return Principal.authenticated("alice", Set.of());
        }
        throw new InvalidTokenException("not a user token");
      };

  TokenVerifier verifier(Map<String, String> live, Clock clock) {
    return ReplicaTokens.verifier(users, id -> Optional.ofNullable(live.get(id)), clock);
  }

  @Test
  void aLiveReplicasTokenIsGoodForItsOnePath() {
    Principal p = verifier(Map.of("zone-1-a", a.publicKey()), NOW).verify(a.sign(PATH));

    assertThat(p.anonymous()).isFalse();
    assertThat(p.isAdmin()).isFalse();
    assertThat(p.name()).startsWith(ReplicaTokens.PRINCIPAL_PREFIX + "zone-1-a");
    assertThat(ReplicaTokens.allows(p, PATH)).isTrue();
    assertThat(ReplicaTokens.allows(p, "/meshes/default/dataplanes/db/xds")).isFalse();
    assertThat(ReplicaTokens.allows(Principal.authenticated("alice", Set.of()), PATH)).isTrue();
  }

  @Test
  void anExpiredTokenIsRefused() {
    Clock later = Clock.offset(NOW, ReplicaTokens.LIFETIME.plus(Duration.ofSeconds(2)));
    String token = a.sign(PATH);

    assertThatThrownBy(() -> verifier(Map.of("zone-1-a", a.publicKey()), later).verify(token))
        .isInstanceOf(InvalidTokenException.class)
        .hasMessageContaining("expired");
  }

  @Test
  void aTokenSignedWithAnotherKeyOrByAReplicaNotLiveIsRefused() {
    String forged = other.sign(PATH);

    assertThatThrownBy(() -> verifier(Map.of("zone-1-a", a.publicKey()), NOW).verify(forged))
        .isInstanceOf(InvalidTokenException.class)
        .hasMessageContaining("bad signature");
    assertThatThrownBy(() -> verifier(Map.of(), NOW).verify(a.sign(PATH)))
        .isInstanceOf(InvalidTokenException.class)
        .hasMessageContaining("not a live replica");
  }

  @Test
  void aTamperedPathIsRefused() {
    String token = a.sign(PATH);
    String[] parts = token.split("\\.");
    parts[3] =
        java.util.Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                "/meshes/default/secrets/x".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    String tampered = String.join(".", parts);

    assertThatThrownBy(() -> verifier(Map.of("zone-1-a", a.publicKey()), NOW).verify(tampered))
        .isInstanceOf(InvalidTokenException.class)
        .hasMessageContaining("bad signature");
  }

  @Test
  void otherTokensGoToTheUserVerifier() {
    assertThat(verifier(Map.of(), NOW).verify("user").name()).isEqualTo("alice");
    assertThatThrownBy(() -> verifier(Map.of(), NOW).verify("junk"))
        .isInstanceOf(InvalidTokenException.class)
        .hasMessageContaining("not a user token");
  }
}

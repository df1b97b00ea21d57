package io.meshfed.api.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.api.ApiException;
import java.net.InetSocketAddress;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {
  private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 40000);
  private static final InetSocketAddress LOCAL6 = new InetSocketAddress("::1", 40000);
  private static final InetSocketAddress OTHER_LOOPBACK = new InetSocketAddress("127.0.0.3", 1);
  private static final InetSocketAddress REMOTE = new InetSocketAddress("10.1.2.3", 40000);

  private static final TokenVerifier VERIFIER =
      token -> {
        if (token.equals("good")) {
          return Principal.authenticated("jane", Set.of("team-a"));
        }
        throw new InvalidTokenException("token xyz is revoked");
      };

  private final Authenticator tokensAndLocalAdmin = Authenticator.withTokens(VERIFIER, true);

  @Test
  void anonymousFromLoopbackIsAdminByDefault() {
    assertThat(tokensAndLocalAdmin.authenticate(null, LOCAL).isAdmin()).isTrue();
    assertThat(tokensAndLocalAdmin.authenticate(null, LOCAL6).isAdmin()).isTrue();
    assertThat(tokensAndLocalAdmin.authenticate(null, LOCAL).anonymous()).isTrue();
  }

  @Test
  void anonymousFromAnywhereElseIs401() {
    for (InetSocketAddress peer : new InetSocketAddress[] {REMOTE, OTHER_LOOPBACK, null}) {
      assertThatThrownBy(() -> tokensAndLocalAdmin.authenticate(null, peer))
          .isInstanceOfSatisfying(
              ApiException.class,
              e -> {
                assertThat(e.status()).isEqualTo(401);
                assertThat(e.detail()).contains("only from 127.0.0.1 or ::1", "Bearer");
              });
    }
  }

  @Test
  void theSettingTurnsAnonymousLoopbackAdminOff() {
    Authenticator strict = Authenticator.withTokens(VERIFIER, false);
    assertThatThrownBy(() -> strict.authenticate(null, LOCAL))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(401);
              assertThat(e.detail()).contains("api-anonymous-admin-from-loopback is false");
            });
    assertThat(strict.anonymousAdminFromLoopback()).isFalse();
  }

  @Test
  void aValidBearerTokenIsItsPrincipalEvenFromLoopback() {
    Principal p = tokensAndLocalAdmin.authenticate("Bearer good", LOCAL);
    assertThat(p.name()).isEqualTo("jane");
    assertThat(p.groups()).containsExactlyInAnyOrder("team-a", Principal.AUTHENTICATED_GROUP);
    assertThat(p.isAdmin()).isFalse();
    assertThat(tokensAndLocalAdmin.authenticate("bearer  good ", REMOTE).name()).isEqualTo("jane");
  }

  @Test
  void aRefusedTokenIs401WithTheVerifiersReasonEvenFromLoopback() {
    assertThatThrownBy(() -> tokensAndLocalAdmin.authenticate("Bearer bad", LOCAL))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(401);
              assertThat(e.detail()).contains("revoked");
            });
  }

  @Test
  void otherSchemesAndEmptyTokensAre401() {
    for (String header : new String[] {"Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer   ", "good"}) {
      assertThatThrownBy(() -> tokensAndLocalAdmin.authenticate(header, LOCAL))
          .as(header)
          .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(401));
    }
  }

  @Test
  void withoutTokensLoopbackIsAdminAndEveryoneElseIsToldWhy() {
    Authenticator zone = Authenticator.withoutTokens(true, "a zone cannot verify user tokens");
    assertThat(zone.authenticate("Bearer anything", LOCAL).isAdmin()).isTrue();
    assertThatThrownBy(() -> zone.authenticate("Bearer good", REMOTE))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(401);
              assertThat(e.detail()).contains("a zone cannot verify user tokens");
            });
    Authenticator closed = Authenticator.withoutTokens(false, "a zone cannot verify user tokens");
    assertThatThrownBy(() -> closed.authenticate(null, LOCAL))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(401));
  }

  @Test
  void onlyTheLoopbackHostAddressesCountAsLocal() {
    assertThat(Authenticator.isLoopbackPeer(LOCAL)).isTrue();
    assertThat(Authenticator.isLoopbackPeer(LOCAL6)).isTrue();
    assertThat(Authenticator.isLoopbackPeer(new InetSocketAddress("::ffff:127.0.0.1", 1))).isTrue();
    assertThat(Authenticator.isLoopbackPeer(OTHER_LOOPBACK)).isFalse();
    assertThat(Authenticator.isLoopbackPeer(REMOTE)).isFalse();
    assertThat(Authenticator.isLoopbackPeer(InetSocketAddress.createUnresolved("localhost", 1)))
        .isFalse();
  }

  @Test
  void bindingANonLoopbackAddressNeedsAnonymousAdminOff() {
    assertThat(BindPolicy.problem("127.0.0.1", true)).isNull();
    assertThat(BindPolicy.problem("::1", true)).isNull();
    assertThat(BindPolicy.problem("0.0.0.0", false)).isNull();
    assertThat(BindPolicy.problem("0.0.0.0", true))
        .contains("0.0.0.0", "api-anonymous-admin-from-loopback", "127.0.0.1");
    assertThat(BindPolicy.problem("10.1.2.3", true)).isNotNull();
  }
}

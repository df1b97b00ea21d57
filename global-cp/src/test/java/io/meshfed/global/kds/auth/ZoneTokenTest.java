package io.meshfed.global.kds.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.global.kds.auth.ZoneTokenException.Reason;
import io.meshfed.store.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

class ZoneTokenTest {
  private static final ZoneTokenSigningKey KEY = ZoneTokenSigningKey.generate("1");
  private static final ZoneTokenSigningKey OTHER = ZoneTokenSigningKey.generate("1");
  private static final String HEADER = "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"1\"}";

  private final Instant start = Instant.parse("2030-01-01T00:00:00Z");
  private final MutableClock clock = new MutableClock(start);
  private final ZoneTokenIssuer issuer = new ZoneTokenIssuer(KEY, clock);
  private final ZoneTokenVerifier verifier = ZoneTokenVerifier.forKey(KEY, clock);

  private AbstractThrowableAssert<?, ?> refused(String token, Reason reason) {
    return assertThatThrownBy(() -> verifier.verify(token))
        .isInstanceOfSatisfying(
            ZoneTokenException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  private long now() {
    return clock.instant().getEpochSecond();
  }

  @Test
  void anIssuedTokenVerifiesToItsZone() {
    String token = issuer.issue("zone-1", Duration.ofHours(2));

    VerifiedToken v = verifier.verify(token);

    assertThat(v.zone()).isEqualTo("zone-1");
    assertThat(v.issuedAt()).isEqualTo(start);
    assertThat(v.expiry()).isEqualTo(start.plus(Duration.ofHours(2)));
    assertThat(v.jti()).isNotBlank();
    assertThat(verifier.verify(issuer.issue("zone-1", Duration.ofHours(2))).jti())
        .isNotEqualTo(v.jti());
  }

  @Test
  void theTokenIsAStandardRs256JwtWithTheAgreedClaims() throws Exception {
    String[] parts = issuer.issue("zone-1", Duration.ofDays(1)).split("\\.");
    assertThat(parts).hasSize(3);
    Base64.Decoder d = Base64.getUrlDecoder();
    var header = Jwt.JSON.readTree(new String(d.decode(parts[0]), StandardCharsets.UTF_8));
    var claims = Jwt.JSON.readTree(new String(d.decode(parts[1]), StandardCharsets.UTF_8));
    assertThat(header.get("alg").asText()).isEqualTo("RS256");
    assertThat(header.get("kid").asText()).isEqualTo("1");
    assertThat(claims.get("zone").asText()).isEqualTo("zone-1");
    assertThat(claims.get("scope").toString()).isEqualTo("[\"cp\"]");
    assertThat(claims.get("exp").asLong() - claims.get("iat").asLong()).isEqualTo(86400);
    assertThat(parts[2]).doesNotContain("=");
  }

  @Test
  void missingAndMalformedTokens() {
    refused(null, Reason.MISSING);
    refused("  ", Reason.MISSING);
    refused("abc", Reason.MALFORMED);
    refused("a.b", Reason.MALFORMED);
    refused("a.b.c.d", Reason.MALFORMED);
    refused("!!!." + Tokens.b64("{}") + ".x", Reason.MALFORMED).hasMessageContaining("header");
    refused(Tokens.b64("[1]") + "." + Tokens.b64("{}") + ".x", Reason.MALFORMED)
        .hasMessageContaining("JSON object");
    refused("x".repeat(ZoneTokenVerifier.MAX_TOKEN_CHARS + 1), Reason.MALFORMED);
  }

  @Test
  void onlyRs256IsAccepted() throws Exception {
    String payload = Tokens.claims("zone-1", "[\"cp\"]", now(), now() + 60);
    refused(
            Tokens.b64("{\"alg\":\"none\",\"kid\":\"1\"}") + "." + Tokens.b64(payload) + ".",
            Reason.UNSUPPORTED_ALGORITHM)
        .hasMessageContaining("\"none\"");
    refused(
            Tokens.signed("{\"alg\":\"HS256\",\"kid\":\"1\"}", payload, KEY.privateKey()),
            Reason.UNSUPPORTED_ALGORITHM)
        .hasMessageContaining("HS256");
    refused(
        Tokens.signed("{\"kid\":\"1\"}", payload, KEY.privateKey()), Reason.UNSUPPORTED_ALGORITHM);
  }

  @Test
  void theKeyIdMustBeKnown() throws Exception {
    String payload = Tokens.claims("zone-1", "[\"cp\"]", now(), now() + 60);
    refused(Tokens.signed("{\"alg\":\"RS256\"}", payload, KEY.privateKey()), Reason.UNKNOWN_KEY);
    refused(
            Tokens.signed("{\"alg\":\"RS256\",\"kid\":\"7\"}", payload, KEY.privateKey()),
            Reason.UNKNOWN_KEY)
        .hasMessageContaining("'7'");
  }

  @Test
  void aTokenOfAnotherKeyOrAlteredIsRefused() {
    String foreign = new ZoneTokenIssuer(OTHER, clock).issue("zone-1", Duration.ofHours(1));
    refused(foreign, Reason.BAD_SIGNATURE);

    String[] parts = issuer.issue("zone-1", Duration.ofHours(1)).split("\\.");
    String otherZone = Tokens.b64(Tokens.claims("zone-2", "[\"cp\"]", now(), now() + 3600));
    refused(parts[0] + "." + otherZone + "." + parts[2], Reason.BAD_SIGNATURE);
    refused(parts[0] + "." + parts[1] + ".", Reason.BAD_SIGNATURE);
  }

  @Test
  void expiryIsEnforcedWithASmallSkew() {
    String token = issuer.issue("zone-1", Duration.ofHours(1));
    clock.advance(Duration.ofHours(1).plusSeconds(30));
    assertThat(verifier.verify(token).zone()).isEqualTo("zone-1");
    clock.advance(Duration.ofSeconds(31));
    refused(token, Reason.EXPIRED).hasMessageContaining("expired at 2030-01-01T01:00:00Z");
  }

  @Test
  void aTokenFromTheFutureIsNotYetValid() throws Exception {
    String early = issuer.issue("zone-1", Duration.ofHours(1));
    clock.advance(Duration.ofMinutes(-5));
    refused(early, Reason.NOT_YET_VALID);
    clock.set(start);
    String nbf =
        "{\"zone\":\"zone-1\",\"scope\":[\"cp\"],\"iat\":"
            + now()
            + ",\"nbf\":"
            + (now() + 600)
            + ",\"exp\":"
            + (now() + 3600)
            + ",\"jti\":\"x\"}";
    refused(Tokens.signed(HEADER, nbf, KEY.privateKey()), Reason.NOT_YET_VALID);
  }

  @Test
  void zoneScopeAndTimesAreRequiredClaims() throws Exception {
    refused(
        Tokens.signed(HEADER, Tokens.claims(null, "[\"cp\"]", now(), now() + 60), KEY.privateKey()),
        Reason.MISSING_ZONE);
    refused(
            Tokens.signed(
                HEADER, Tokens.claims("Zone_1", "[\"cp\"]", now(), now() + 60), KEY.privateKey()),
            Reason.MISSING_ZONE)
        .hasMessageContaining("not a valid DNS label");
    refused(
        Tokens.signed(
            HEADER, Tokens.claims("zone-1", "[\"ingress\"]", now(), now() + 60), KEY.privateKey()),
        Reason.WRONG_SCOPE);
    refused(
        Tokens.signed(
            HEADER, Tokens.claims("zone-1", "\"cp\"", now(), now() + 60), KEY.privateKey()),
        Reason.WRONG_SCOPE);
    refused(
            Tokens.signed(
                HEADER, "{\"zone\":\"zone-1\",\"scope\":[\"cp\"],\"iat\":1}", KEY.privateKey()),
            Reason.MALFORMED)
        .hasMessageContaining("'exp'");
  }

  @Test
  void theIssuerRefusesBadZonesAndValidities() {
    assertThatThrownBy(() -> issuer.issue("Zone 1", Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("zone: ");
    assertThatThrownBy(() -> issuer.issue("zone-1", Duration.ZERO))
        .hasMessageStartingWith("validFor: must be positive");
    assertThatThrownBy(() -> issuer.issue("zone-1", Duration.ofDays(3651)))
        .hasMessageContaining("at most 87600h");
  }

  @Test
  void aVerifierMayTrustSeveralKeys() {
    ZoneTokenSigningKey second = ZoneTokenSigningKey.generate("2");
    ZoneTokenVerifier both =
        new ZoneTokenVerifier(
            Map.of("1", KEY.publicKey(), "2", second.publicKey()),
            clock,
            ZoneTokenVerifier.DEFAULT_SKEW);
    assertThat(
            both.verify(new ZoneTokenIssuer(second, clock).issue("z", Duration.ofHours(1))).zone())
        .isEqualTo("z");
    assertThat(both.verify(issuer.issue("y", Duration.ofHours(1))).zone()).isEqualTo("y");
  }
}

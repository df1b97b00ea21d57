package io.meshfed.zone.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class DataplaneTokensTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private final byte[] key = random();
  private final DataplaneTokens tokens =
      new DataplaneTokens(key, "dp-1", Clock.fixed(NOW, ZoneOffset.UTC));

  private static byte[] random() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return b;
  }

  @Test
  void aTokenOpensForTheProxyItWasIssuedTo() {
    String t = tokens.issue("sidecar", "default", "web-1", Duration.ofHours(1));

    DataplaneToken v = tokens.verify(t, "sidecar", "default", "web-1");
    assertThat(v.expiry()).isEqualTo(NOW.plus(Duration.ofHours(1)));
    assertThat(tokens.verify("Bearer " + t, "sidecar", "default", "web-1").name())
        .isEqualTo("web-1");
    String ingress = tokens.issue("ingress", null, "ingress-1", Duration.ofHours(1));
    assertThat(tokens.verify(ingress, "ingress", null, "ingress-1").mesh()).isNull();
  }

  @Test
  void anotherNameMeshOrTypeIsRefusedSayingWhoTheTokenIsFor() {
    String t = tokens.issue("sidecar", "default", "web-1", Duration.ofHours(1));

    assertThatThrownBy(() -> tokens.verify(t, "sidecar", "default", "web-2"))
        .isInstanceOf(DataplaneTokenException.class)
        .hasMessage(
            "dataplane default/web-2: the dataplane token was issued to dataplane default/web-1,"
                + " not to this proxy");
    assertThatThrownBy(() -> tokens.verify(t, "sidecar", "other", "web-1"))
        .hasMessageContaining("issued to dataplane default/web-1");
    assertThatThrownBy(() -> tokens.verify(t, "ingress", null, "web-1"))
        .hasMessageContaining("issued to dataplane default/web-1");
  }

  @Test
  void missingForgedTamperedOrExpiredTokensAreRefused() {
    String t = tokens.issue("sidecar", "default", "web-1", Duration.ofHours(1));

    assertThatThrownBy(() -> tokens.verify(null, "sidecar", "default", "web-1"))
        .hasMessageContaining("no dataplane token");
    assertThatThrownBy(() -> tokens.verify("abc", "sidecar", "default", "web-1"))
        .hasMessageContaining("not a JWT");
    DataplaneTokens otherZone =
        new DataplaneTokens(random(), "dp-2", Clock.fixed(NOW, ZoneOffset.UTC));
    assertThatThrownBy(
            () ->
                tokens.verify(
                    otherZone.issue("sidecar", "default", "web-1", Duration.ofHours(1)),
                    "sidecar",
                    "default",
                    "web-1"))
        .hasMessageContaining("not signed by this zone");
    String[] parts = t.split("\\.");
    String renamed =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                new String(Base64.getUrlDecoder().decode(parts[1]))
                    .replace("web-1", "web-2")
                    .getBytes());
    assertThatThrownBy(
            () ->
                tokens.verify(
                    parts[0] + "." + renamed + "." + parts[2], "sidecar", "default", "web-2"))
        .hasMessageContaining("not signed by this zone");
    DataplaneTokens later =
        new DataplaneTokens(
            key, "dp-1", Clock.fixed(NOW.plus(Duration.ofHours(2)), ZoneOffset.UTC));
    assertThatThrownBy(() -> later.verify(t, "sidecar", "default", "web-1"))
        .hasMessageContaining("expired at " + NOW.plus(Duration.ofHours(1)));
  }

  @Test
  void badIssueRequestsAreRefused() {
    assertThatThrownBy(() -> tokens.issue("sidecar", null, "web-1", Duration.ofHours(1)))
        .hasMessageContaining("needs a mesh");
    assertThatThrownBy(() -> tokens.issue("gateway", "default", "web-1", Duration.ofHours(1)))
        .hasMessageContaining("expected: one of [sidecar, ingress]");
    assertThat(DataplaneTokens.checkValidFor(Duration.ZERO)).isEqualTo("must be positive");
  }
}

package io.meshfed.global.kds.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.meshfed.kds.KdsHeaders;
import io.meshfed.kds.ZoneHandshakeHeaders;
import io.meshfed.store.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ZoneAuthInterceptorTest {
  private static final ZoneTokenSigningKey KEY = ZoneTokenSigningKey.generate("1");

  private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
  private final ZoneTokenIssuer issuer = new ZoneTokenIssuer(KEY, clock);
  private final WhoAmI who = new WhoAmI();
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    ZoneAuthInterceptor auth =
        new ZoneAuthInterceptor(
            ZoneTokenVerifier.forKey(KEY, clock),
            WhoAmI.ZONE,
            new KdsCompatibility("1.4.0", Set.of("resume")));
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(ServerInterceptors.intercept(who.service(), auth))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private static ClientInterceptor zone(String token, String zone, String version) {
    return ZoneHandshakeHeaders.builder(zone, version)
        .token(token)
        .features(List.of("resume", "chunking"))
        .build();
  }

  private void refused(ClientInterceptor headers, Status.Code code, String message) {
    assertThatThrownBy(() -> WhoAmI.ask(channel, headers))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).contains(message);
            });
    assertThat(who.handled).as("the handler must not run for a refused call").hasValue(0);
  }

  @Test
  void aValidZoneReachesTheHandlerWithItsVerifiedName() {
    String token = issuer.issue("zone-1", Duration.ofHours(1));

    assertThat(WhoAmI.ask(channel, zone(token, "zone-1", "1.4.2"))).isEqualTo("zone-1:hello");

    ZoneHandshake hs = who.lastHandshake.get();
    assertThat(hs.zone()).isEqualTo("zone-1");
    assertThat(hs.version()).isEqualTo("1.4.2");
    assertThat(hs.features()).containsExactlyInAnyOrder("resume", "chunking");
    assertThat(hs.tokenExpiry()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
  }

  @Test
  void noTokenIsUnauthenticated() {
    refused(null, Status.Code.UNAUTHENTICATED, "no zone token");
  }

  @Test
  void aTokenThatIsNotBearerIsUnauthenticated() {
    Metadata md = new Metadata();
    md.put(KdsHeaders.AUTHORIZATION, "Basic dXNlcjpwYXNz");
    refused(
        MetadataUtils.newAttachHeadersInterceptor(md),
        Status.Code.UNAUTHENTICATED,
        "not 'Bearer <token>'");
  }

  @Test
  void aForgedTokenIsUnauthenticated() {
    String forged =
        new ZoneTokenIssuer(ZoneTokenSigningKey.generate("1"), clock)
            .issue("zone-1", Duration.ofHours(1));
    refused(zone(forged, "zone-1", "1.4.0"), Status.Code.UNAUTHENTICATED, "(bad_signature)");
  }

  @Test
  void anExpiredTokenIsUnauthenticated() {
    String token = issuer.issue("zone-1", Duration.ofHours(1));
    clock.advance(Duration.ofHours(2));
    refused(zone(token, "zone-1", "1.4.0"), Status.Code.UNAUTHENTICATED, "(expired)");
  }

  @Test
  void aTokenOfOneZoneCannotClaimAnother() {
    String token = issuer.issue("zone-1", Duration.ofHours(1));
    refused(
        zone(token, "zone-2", "1.4.0"),
        Status.Code.PERMISSION_DENIED,
        "token is for zone 'zone-1' but the stream claims 'zone-2'");
  }

  @Test
  void aZoneOfANewerMajorVersionIsToldToUpgradeGlobalFirst() {
    String token = issuer.issue("zone-1", Duration.ofHours(1));
    refused(
        zone(token, "zone-1", "2.0.0"), Status.Code.FAILED_PRECONDITION, "upgrade global first");
  }

  @Test
  void aZoneWithoutARequiredFeatureIsToldToUpgrade() {
    String token = issuer.issue("zone-1", Duration.ofHours(1));
    refused(
        ZoneHandshakeHeaders.builder("zone-1", "1.4.0")
            .token(token)
            .features(List.of("chunking"))
            .build(),
        Status.Code.FAILED_PRECONDITION,
        "lacks the KDS features global 1.4.0 requires: [resume]");
  }

  @Test
  void aZoneWithoutAVersionIsRefused() {
    Metadata md = new Metadata();
    md.put(KdsHeaders.AUTHORIZATION, "Bearer " + issuer.issue("zone-1", Duration.ofHours(1)));
    md.put(KdsHeaders.ZONE, "zone-1");
    refused(
        MetadataUtils.newAttachHeadersInterceptor(md),
        Status.Code.FAILED_PRECONDITION,
        "did not announce its version");
  }

  @Test
  void keysThatCannotBeVouchedForRefuseAZoneAsUnavailableSoItRetries() throws Exception {
    ZoneTokenKeys stale =
        new ZoneTokenKeys() {
          @Override
          public java.util.Map<String, java.security.PublicKey> verificationKeys() {
            return java.util.Map.of(KEY.kid(), KEY.publicKey());
          }

          @Override
          public boolean isRevoked(String jti) {
            return false;
          }

          @Override
          public void requireCurrent() {
            throw new ZoneTokenException(
                ZoneTokenException.Reason.UNAVAILABLE,
                "cannot check the zone token revocation list: the store is unavailable");
          }
        };
    String name = InProcessServerBuilder.generateName();
    Server staleServer =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                ServerInterceptors.intercept(
                    who.service(),
                    new ZoneAuthInterceptor(
                        new ZoneTokenVerifier(stale, clock, ZoneTokenVerifier.DEFAULT_SKEW),
                        WhoAmI.ZONE,
                        new KdsCompatibility("1.4.0", Set.of("resume")))))
            .build()
            .start();
    ManagedChannel staleChannel = InProcessChannelBuilder.forName(name).directExecutor().build();
    try {
      String token = issuer.issue("zone-1", Duration.ofHours(1));
      assertThatThrownBy(() -> WhoAmI.ask(staleChannel, zone(token, "zone-1", "1.4.0")))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(e.getStatus().getDescription()).contains("the store is unavailable");
              });
      assertThat(who.handled).hasValue(0);
    } finally {
      staleChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      staleServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}

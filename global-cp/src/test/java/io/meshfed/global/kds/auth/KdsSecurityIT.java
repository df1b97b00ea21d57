package io.meshfed.global.kds.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.meshfed.global.GlobalConfig;
import io.meshfed.global.kds.tls.KdsClientTls;
import io.meshfed.global.kds.tls.KdsTlsMaterial;
import io.meshfed.kds.ZoneHandshakeHeaders;
import io.meshfed.store.memory.MemoryResourceStore;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real KDS-style gRPC server over TLS with the generated certificate and zone auth. */
class KdsSecurityIT {
  @TempDir Path dir;
  private final Clock clock = Clock.systemUTC();
  private final MemoryResourceStore store = new MemoryResourceStore();
  private final WhoAmI who = new WhoAmI();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private ZoneTokenIssuer issuer;
  private Path caFile;
  private Server server;

  @BeforeEach
  void start() throws Exception {
    GlobalConfig config =
        GlobalConfig.load(Map.of("data-dir", dir.resolve("global").toString()), Map.of(), null);
    KdsTlsMaterial tls = KdsTlsMaterial.loadOrCreate(config, store, clock);
    caFile = config.dataDir().resolve(KdsTlsMaterial.CA_FILE_NAME);
    issuer = ZoneTokenIssuer.loadOrCreate(store, clock);
    ZoneAuthInterceptor auth =
        new ZoneAuthInterceptor(
            ZoneTokenVerifier.forKey(issuer.signingKey(), clock),
            WhoAmI.ZONE,
            new KdsCompatibility("1.0.0", Set.of()));
    server =
        NettyServerBuilder.forAddress(
                new InetSocketAddress("127.0.0.1", 0), tls.serverCredentials())
            .addService(ServerInterceptors.intercept(who.service(), auth))
            .build()
            .start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private ManagedChannel dial(String authority, ChannelCredentials credentials) {
    ManagedChannel c =
        NettyChannelBuilder.forAddress(
                new InetSocketAddress("127.0.0.1", server.getPort()), credentials)
            .overrideAuthority(authority)
            .build();
    channels.add(c);
    return c;
  }

  private ZoneHandshakeHeaders zone1() {
    return ZoneHandshakeHeaders.builder("zone-1", "1.2.0")
        .token(issuer.issue("zone-1", Duration.ofHours(1)))
        .features(List.of())
        .build();
  }

  @Test
  void aZoneTrustingTheGeneratedCaConnectsByNameAndByAddress() {
    ChannelCredentials trusting = KdsClientTls.trustingCaFile(caFile);

    assertThat(WhoAmI.ask(dial("localhost:" + server.getPort(), trusting), zone1()))
        .isEqualTo("zone-1:hello");
    assertThat(WhoAmI.ask(dial("127.0.0.1:" + server.getPort(), trusting), zone1()))
        .isEqualTo("zone-1:hello");
    assertThat(who.lastHandshake.get().version()).isEqualTo("1.2.0");
  }

  @Test
  void aZoneTrustingAnotherCaFailsTheHandshake() throws Exception {
    GlobalConfig other =
        GlobalConfig.load(Map.of("data-dir", dir.resolve("other").toString()), Map.of(), null);
    KdsTlsMaterial.loadOrCreate(other, new MemoryResourceStore(), clock);
    ChannelCredentials wrongCa =
        KdsClientTls.trustingCaFile(other.dataDir().resolve(KdsTlsMaterial.CA_FILE_NAME));

    assertThatThrownBy(() -> WhoAmI.ask(dial("localhost", wrongCa), zone1()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(who.handled).hasValue(0);
  }

  @Test
  void aNameTheCertificateDoesNotCarryFailsTheHandshake() {
    ChannelCredentials trusting = KdsClientTls.trustingCaFile(caFile);

    assertThatThrownBy(() -> WhoAmI.ask(dial("kds.attacker.example", trusting), zone1()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(who.handled).hasValue(0);
  }

  @Test
  void overTlsAStreamWithoutATokenIsUnauthenticated() {
    ChannelCredentials trusting = KdsClientTls.trustingCaFile(caFile);

    assertThatThrownBy(() -> WhoAmI.ask(dial("localhost", trusting), null))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThat(who.handled).hasValue(0);
  }

  @Test
  void theZoneSideNeverFallsBackWithoutAUsableCaFile() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty.crt"), "");
    assertThatThrownBy(() -> KdsClientTls.trustingCaFile(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a CA file is required");
    assertThatThrownBy(() -> KdsClientTls.trustingCaFile(dir.resolve("absent.crt")))
        .hasMessageContaining("absent.crt cannot be read");
    assertThatThrownBy(() -> KdsClientTls.trustingCaFile(empty))
        .hasMessageContaining("empty.crt holds no certificate");
  }
}

package io.meshfed.zone.kds;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.file.Path;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** How the zone explains a failed connection to global. */
class ConnectFailuresTest {
  private final KdsTarget target = new KdsTarget("global.example", 5685, true, Path.of("ca.crt"));

  @Test
  void aTlsHandshakeTimeoutIsANetworkProblemNotACertificateOne() {
    Status timedOut =
        Status.UNAVAILABLE.withCause(
            new SslHandshakeTimeoutException("handshake timed out after 10000ms"));

    String explained = ConnectFailures.explain(timedOut, target);

    assertThat(ConnectFailures.isTlsTimeout(timedOut)).isTrue();
    assertThat(ConnectFailures.isTlsFailure(timedOut)).isFalse();
    assertThat(explained)
        .contains("TLS handshake with global timed out")
        .contains("global.example:5685 is reachable")
        .contains("certificates were not checked")
        .doesNotContain("must chain to");
  }

  @Test
  void aCertificateFailureStillPointsAtTheCaFile() {
    Status badCert =
        Status.UNAVAILABLE.withCause(
            new SSLHandshakeException("PKIX path building failed: unable to find valid path"));

    assertThat(ConnectFailures.isTlsFailure(badCert)).isTrue();
    assertThat(ConnectFailures.explain(badCert, target))
        .contains("must chain to --ca-file ca.crt")
        .contains("name the host 'global.example'");
  }

  @Test
  void anotherInstanceOfTheZoneIsNeitherARefusalToFixNorANetworkError() {
    Status duplicate = Status.ALREADY_EXISTS.withDescription("zone 'zone-1' is already connected");

    assertThat(ConnectFailures.isDuplicate(duplicate)).isTrue();
    assertThat(ConnectFailures.isRefusal(duplicate)).isFalse();
  }
}

package io.meshfed.kds.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.junit.jupiter.api.Test;

class PemTest {
  private final KeyPair keys = Certificates.ecKeyPair();

  private X509Certificate certificate() throws Exception {
    return CertificateBuilder.selfSigned(Certificates.meshfedName("pem"), keys)
        .validFor(Instant.parse("2024-05-01T10:00:00Z"), Duration.ofDays(1))
        .certificateAuthority()
        .sign();
  }

  @Test
  void certificatesAndKeysRoundTripAndOtherBlocksAreSkipped() throws Exception {
    X509Certificate cert = certificate();
    String bundle =
        Pem.privateKey(keys.getPrivate()) + Pem.certificate(cert) + Pem.certificate(cert);

    assertThat(Pem.certificates(bundle, "bundle")).containsExactly(cert, cert);
    assertThat(Pem.pkcs8PrivateKey(bundle, "bundle")).isEqualTo(keys.getPrivate());
    assertThat(Pem.firstPrivateKey(bundle, "bundle")).isEqualTo(keys.getPrivate());
  }

  @Test
  void onlyFirstPrivateKeyReadsSec1EcKeys() throws Exception {
    PrivateKeyInfo info = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
    BigInteger s = ((ECPrivateKey) keys.getPrivate()).getS();
    byte[] sec1 =
        new org.bouncycastle.asn1.sec.ECPrivateKey(
                256, s, info.getPrivateKeyAlgorithm().getParameters())
            .getEncoded();
    String pem =
        "-----BEGIN EC PRIVATE KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(sec1)
            + "\n-----END EC PRIVATE KEY-----\n";

    assertThat(((ECPrivateKey) Pem.firstPrivateKey(pem, "tls.key")).getS()).isEqualTo(s);
    assertThatThrownBy(() -> Pem.pkcs8PrivateKey(pem, "ca.key"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "ca.key: no private key found (expected a PEM '-----BEGIN PRIVATE KEY-----' block)");
  }

  @Test
  void errorsNameWhereAndWhatWasExpected() {
    assertThatThrownBy(() -> Pem.certificates("", "kds-tls-cert-file /x"))
        .hasMessage(
            "kds-tls-cert-file /x: no certificate found (expected a PEM '-----BEGIN"
                + " CERTIFICATE-----' block)");
    assertThatThrownBy(() -> Pem.firstPrivateKey("", "secret"))
        .hasMessageStartingWith("secret: no unencrypted private key found");
  }

  @Test
  void certificateRequestIsAPemBlock() {
    assertThat(Pem.certificateRequest(new byte[] {1, 2, 3}))
        .isEqualTo(
            "-----BEGIN CERTIFICATE REQUEST-----\nAQID\n-----END CERTIFICATE REQUEST-----\n");
  }
}

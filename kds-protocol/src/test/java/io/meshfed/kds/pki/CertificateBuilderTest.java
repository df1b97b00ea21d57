package io.meshfed.kds.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;

class CertificateBuilderTest {
  private static final Instant NOW = Instant.parse("2024-05-01T10:00:00Z");

  private final KeyPair rootKeys = Certificates.ecKeyPair();
  private final X509Certificate root;

  CertificateBuilderTest() throws Exception {
    root = root(rootKeys);
  }

  /** A certificate of a fresh key, issued by {@link #root}, subject {@code CN=<name>,O=meshfed}. */
  private CertificateBuilder issuedByRoot(String name) {
    return CertificateBuilder.issuedBy(
        root,
        rootKeys.getPrivate(),
        Certificates.meshfedName(name),
        Certificates.ecKeyPair().getPublic());
  }

  private static X509Certificate root(KeyPair keys) throws Exception {
    return CertificateBuilder.selfSigned(Certificates.meshfedName("test root"), keys)
        .validFor(NOW, Duration.ofDays(10))
        .certificateAuthority()
        .sign();
  }

  @Test
  void selfSignedCaIsBackdatedAndVerifiesWithItsOwnKey() throws Exception {
    root.verify(rootKeys.getPublic());
    assertThat(root.getSubjectX500Principal().getName()).isEqualTo("CN=test root,O=meshfed");
    assertThat(root.getIssuerX500Principal()).isEqualTo(root.getSubjectX500Principal());
    assertThat(root.getNotBefore().toInstant()).isEqualTo(NOW.minus(Certificates.BACKDATE));
    assertThat(root.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(10)));
    assertThat(root.getBasicConstraints()).isEqualTo(Integer.MAX_VALUE);
    assertThat(root.getKeyUsage()[5]).as("keyCertSign").isTrue();
    assertThat(root.getKeyUsage()[6]).as("cRLSign").isTrue();
    assertThat(root.getCriticalExtensionOIDs()).containsExactlyInAnyOrder("2.5.29.19", "2.5.29.15");
    assertThat(root.getExtensionValue("2.5.29.35")).as("no authority key id").isNull();
  }

  @Test
  void issuedCaHasPathLengthAndAuthorityKeyId() throws Exception {
    X509Certificate intermediate =
        issuedByRoot("sub").validFor(NOW, Duration.ofDays(1)).certificateAuthority(0).sign();

    intermediate.verify(rootKeys.getPublic());
    assertThat(intermediate.getIssuerX500Principal()).isEqualTo(root.getSubjectX500Principal());
    assertThat(intermediate.getBasicConstraints()).isZero();
    assertThat(intermediate.getExtensionValue("2.5.29.35")).isNotNull();
  }

  @Test
  void leafNamesItsSansAndNeverOutlivesItsIssuer() throws Exception {
    X509Certificate leaf =
        issuedByRoot("leaf")
            .validFor(NOW, Duration.ofDays(365))
            .endEntity(
                KeyUsage.digitalSignature,
                KeyPurposeId.id_kp_serverAuth,
                KeyPurposeId.id_kp_clientAuth)
            .subjectAltNames(
                true,
                List.of(
                    new GeneralName(GeneralName.dNSName, "kds.local"),
                    new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://m/web")))
            .sign();

    leaf.verify(rootKeys.getPublic());
    assertThat(leaf.getNotAfter()).isEqualTo(root.getNotAfter());
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    assertThat(leaf.getExtendedKeyUsage())
        .containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertThat(leaf.getSubjectAlternativeNames())
        .containsExactly(List.of(2, "kds.local"), List.of(6, "spiffe://m/web"));
    assertThat(leaf.getCriticalExtensionOIDs()).contains("2.5.29.17");
  }

  @Test
  void refusesToSignWithoutValidityOrKind() {
    KeyPair keys = Certificates.ecKeyPair();
    assertThatThrownBy(
            () -> CertificateBuilder.selfSigned(Certificates.meshfedName("x"), keys).sign())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("validity and CA or end entity must be set");
  }
}

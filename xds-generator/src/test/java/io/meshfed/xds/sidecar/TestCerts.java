package io.meshfed.xds.sidecar;

import io.meshfed.xds.Identity;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A self-made CA and a workload certificate it signed, as an {@link Identity}, for Envoy. */
final class TestCerts {
  private static final Instant NOT_BEFORE = Instant.parse("2024-01-01T00:00:00Z");
  private static final Instant NOT_AFTER = Instant.parse("2099-01-01T00:00:00Z");

  private TestCerts() {}

  /** A workload identity for {@code service}, signed by a CA made for it alone. */
  static Identity identity(String mesh, String service) throws Exception {
    return ca(mesh).issue(service);
  }

  /** A new self-signed CA for {@code mesh}. */
  static Ca ca(String mesh) throws Exception {
    KeyPair caKey = ecKey();
    X500Name caName = new X500Name("CN=meshfed test CA " + mesh);
    X509CertificateHolder ca =
        new JcaX509v3CertificateBuilder(
                caName,
                BigInteger.ONE,
                Date.from(NOT_BEFORE),
                Date.from(NOT_AFTER),
                caName,
                caKey.getPublic())
            .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate()));
    return new Ca(mesh, caName, caKey, ca);
  }

  /** A mesh CA that issues workload certificates with the URI SAN {@code spiffe://<mesh>/<S>}. */
  record Ca(String mesh, X500Name name, KeyPair key, X509CertificateHolder certificate) {
    Identity issue(String service) throws Exception {
      KeyPair leafKey = ecKey();
      X509CertificateHolder leaf =
          new JcaX509v3CertificateBuilder(
                  name,
                  BigInteger.valueOf(System.nanoTime()),
                  Date.from(NOT_BEFORE),
                  Date.from(NOT_AFTER),
                  new X500Name("CN=" + service),
                  leafKey.getPublic())
              .addExtension(
                  Extension.subjectAlternativeName,
                  true,
                  new GeneralNames(
                      new GeneralName(
                          GeneralName.uniformResourceIdentifier,
                          "spiffe://" + mesh + "/" + service)))
              .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()));
      return new Identity(
          pem("CERTIFICATE", leaf.getEncoded()),
          pem("PRIVATE KEY", leafKey.getPrivate().getEncoded()),
          pem("CERTIFICATE", certificate.getEncoded()),
          NOT_AFTER);
    }
  }

  private static KeyPair ecKey() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}

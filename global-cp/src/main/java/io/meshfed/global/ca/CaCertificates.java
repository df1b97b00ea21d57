package io.meshfed.global.ca;

import io.meshfed.kds.pki.CertificateBuilder;
import io.meshfed.kds.pki.Certificates;
import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * The mesh CA certificates: a self-signed root per (mesh, backend) and the zone intermediates it
 * signs. EC P-256, ECDSA with SHA-256.
 *
 * <p>No name constraints are put on intermediates: RFC 5280 URI constraints only restrict the host
 * part of a URI, ignoring the scheme, and the host of a {@code kuma://<tag>/<value>} SAN is the
 * first segment of an arbitrary tag name, so a constraint could not say "only {@code
 * spiffe://<mesh>/...}" and would refuse leaves with custom tags.
 */
final class CaCertificates {
  static final Duration ROOT_VALIDITY = Duration.ofDays(3650);
  static final Duration INTERMEDIATE_VALIDITY = Duration.ofDays(365);

  private CaCertificates() {}

  /** A root CA: its certificate and private key. */
  record Root(X509Certificate certificate, PrivateKey key) {}

  /** {@code CN=<mesh> mesh root CA (<backend>), O=meshfed}, CA:true, 10 years. */
  static Root newRoot(String mesh, String backend, Instant now) {
    KeyPair keys = Certificates.ecKeyPair();
    try {
      X509Certificate certificate =
          CertificateBuilder.selfSigned(
                  Certificates.meshfedName(mesh + " mesh root CA (" + backend + ")"), keys)
              .validFor(now, ROOT_VALIDITY)
              .certificateAuthority()
              .sign();
      return new Root(certificate, keys.getPrivate());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(
          "cannot create the root CA of mesh " + mesh + " backend " + backend, e);
    }
  }

  /**
   * The intermediate CA of {@code zone}: CA:true with path length 0, keyCertSign|cRLSign, subject
   * {@code CN=<zone> intermediate CA for mesh <mesh>, O=meshfed}, valid from {@code now - 5m} for a
   * year, never past the root.
   */
  static X509Certificate newIntermediate(
      Root root, PublicKey zoneKey, String zone, String mesh, Instant now) {
    try {
      return CertificateBuilder.issuedBy(
              root.certificate(),
              root.key(),
              Certificates.meshfedName(zone + " intermediate CA for mesh " + mesh),
              zoneKey)
          .validFor(now, INTERMEDIATE_VALIDITY)
          .certificateAuthority(0)
          .sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(
          "cannot sign the intermediate CA of zone " + zone + " for mesh " + mesh, e);
    }
  }

  /**
   * The public key of a PEM PKCS#10 request whose signature verifies.
   *
   * @throws IllegalArgumentException saying what is wrong with the request
   */
  static PublicKey verifiedCsrKey(String pem) {
    Object parsed;
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      parsed = parser.readObject();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "csr_pem: not a PEM certificate request (" + e.getMessage() + ")", e);
    }
    if (!(parsed instanceof org.bouncycastle.pkcs.PKCS10CertificationRequest holder)) {
      throw new IllegalArgumentException(
          "csr_pem: no certificate request found (expected a PEM '-----BEGIN CERTIFICATE"
              + " REQUEST-----' block)");
    }
    JcaPKCS10CertificationRequest csr = new JcaPKCS10CertificationRequest(holder);
    try {
      PublicKey key = csr.getPublicKey();
      ContentVerifierProvider verifier = new JcaContentVerifierProviderBuilder().build(key);
      if (!csr.isSignatureValid(verifier)) {
        throw new IllegalArgumentException(
            "csr_pem: the request's signature does not verify with its public key (expected a"
                + " request signed by the zone's intermediate CA key)");
      }
      return key;
    } catch (GeneralSecurityException | OperatorCreationException | PKCSException e) {
      throw new IllegalArgumentException(
          "csr_pem: cannot check the request's signature (" + e.getMessage() + ")", e);
    }
  }
}

package io.meshfed.global.ca;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
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

  /** Certificates start this much in the past, so peers with a slow clock accept them. */
  static final Duration BACKDATE = Duration.ofMinutes(5);

  private static final SecureRandom RANDOM = new SecureRandom();

  private CaCertificates() {}

  /** A root CA: its certificate and private key. */
  record Root(X509Certificate certificate, PrivateKey key) {}

  static KeyPair ecKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate an EC P-256 key: " + e.getMessage(), e);
    }
  }

  /** {@code CN=<mesh> mesh root CA (<backend>), O=meshfed}, CA:true, 10 years. */
  static Root newRoot(String mesh, String backend, Instant now) {
    KeyPair keys = ecKeyPair();
    X500Name subject = name(mesh + " mesh root CA (" + backend + ")");
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              subject,
              serial(),
              Date.from(now.minus(BACKDATE)),
              Date.from(now.plus(ROOT_VALIDITY)),
              subject,
              keys.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(
          Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      return new Root(sign(b, keys.getPrivate()), keys.getPrivate());
    } catch (CertIOException | GeneralSecurityException e) {
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
    Instant notAfter = now.plus(INTERMEDIATE_VALIDITY);
    Instant rootNotAfter = root.certificate().getNotAfter().toInstant();
    if (notAfter.isAfter(rootNotAfter)) {
      notAfter = rootNotAfter;
    }
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              root.certificate(),
              serial(),
              Date.from(now.minus(BACKDATE)),
              Date.from(notAfter),
              name(zone + " intermediate CA for mesh " + mesh),
              zoneKey);
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(
          Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(zoneKey));
      b.addExtension(
          Extension.authorityKeyIdentifier,
          false,
          ext.createAuthorityKeyIdentifier(root.certificate()));
      return sign(b, root.key());
    } catch (CertIOException | GeneralSecurityException e) {
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

  private static X500Name name(String commonName) {
    return new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.O, "meshfed") // RFC 2253 text lists the last RDN first: "CN=..,O=meshfed"
        .addRDN(BCStyle.CN, commonName)
        .build();
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("cannot sign: " + e.getMessage(), e);
    }
  }
}

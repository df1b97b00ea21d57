package io.meshfed.kds.pki;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * An X.509 v3 certificate signed with ECDSA SHA-256: a self-signed CA or one issued by a CA.
 *
 * <pre>{@code
 * X509Certificate leaf =
 *     CertificateBuilder.issuedBy(ca, caKey, subject, keys.getPublic())
 *         .validFor(now, Duration.ofDays(1))
 *         .endEntity(KeyUsage.digitalSignature, KeyPurposeId.id_kp_serverAuth)
 *         .subjectAltNames(false, List.of(new GeneralName(GeneralName.dNSName, "kds.local")))
 *         .sign();
 * }</pre>
 *
 * <p>Every certificate gets a random positive 127-bit serial, critical basic constraints and key
 * usage, a subject key identifier and, when issued by a CA, an authority key identifier; its
 * validity starts {@link Certificates#BACKDATE} before {@code now} and never ends after the
 * issuer's. Extensions are written in that order: basic constraints, key usage, extended key usage,
 * subject alternative names, key identifiers.
 */
public final class CertificateBuilder {
  private final X500Name subject;
  private final PublicKey subjectKey;
  private final X509Certificate issuer; // null when self-signed
  private final PrivateKey signingKey;
  private Instant notBefore;
  private Instant notAfter;
  private BasicConstraints basicConstraints;
  private int keyUsage;
  private KeyPurposeId[] extendedKeyUsage = new KeyPurposeId[0];
  private GeneralName[] subjectAltNames; // null when not set
  private boolean subjectAltNamesCritical;

  private CertificateBuilder(
      X500Name subject, PublicKey subjectKey, X509Certificate issuer, PrivateKey signingKey) {
    this.subject = Objects.requireNonNull(subject, "subject");
    this.subjectKey = Objects.requireNonNull(subjectKey, "subjectKey");
    this.issuer = issuer;
    this.signingKey = Objects.requireNonNull(signingKey, "signingKey");
  }

  /** A certificate of {@code keys} that names itself as its issuer and is signed by its own key. */
  public static CertificateBuilder selfSigned(X500Name subject, KeyPair keys) {
    return new CertificateBuilder(subject, keys.getPublic(), null, keys.getPrivate());
  }

  /**
   * A certificate of {@code subjectKey} issued by the CA {@code issuer}, signed with {@code
   * issuerKey}.
   */
  public static CertificateBuilder issuedBy(
      X509Certificate issuer, PrivateKey issuerKey, X500Name subject, PublicKey subjectKey) {
    return new CertificateBuilder(
        subject, subjectKey, Objects.requireNonNull(issuer, "issuer"), issuerKey);
  }

  /**
   * Valid from {@code now} minus {@link Certificates#BACKDATE} until {@code now + lifetime}, cut at
   * the issuer's expiry.
   */
  public CertificateBuilder validFor(Instant now, Duration lifetime) {
    this.notBefore = now.minus(Certificates.BACKDATE);
    Instant end = now.plus(lifetime);
    if (issuer != null && end.isAfter(issuer.getNotAfter().toInstant())) {
      end = issuer.getNotAfter().toInstant();
    }
    this.notAfter = end;
    return this;
  }

  /** A CA with no limit on the path below it: keyCertSign and cRLSign. */
  public CertificateBuilder certificateAuthority() {
    return ca(new BasicConstraints(true));
  }

  /** A CA under which at most {@code maxPathLength} more CAs may sign: keyCertSign, cRLSign. */
  public CertificateBuilder certificateAuthority(int maxPathLength) {
    return ca(new BasicConstraints(maxPathLength));
  }

  /**
   * Not a CA: {@code keyUsage} is a union of {@link KeyUsage} bits, {@code purposes} the extended
   * key usage (left out when empty).
   */
  public CertificateBuilder endEntity(int keyUsage, KeyPurposeId... purposes) {
    this.basicConstraints = new BasicConstraints(false);
    this.keyUsage = keyUsage;
    this.extendedKeyUsage = purposes.clone();
    return this;
  }

  /** The subject alternative names; critical when the subject is empty (RFC 5280 4.2.1.6). */
  public CertificateBuilder subjectAltNames(boolean critical, List<GeneralName> names) {
    this.subjectAltNames = names.toArray(GeneralName[]::new);
    this.subjectAltNamesCritical = critical;
    return this;
  }

  /**
   * The signed certificate.
   *
   * @throws IllegalStateException when the validity or the kind (CA or end entity) was not set
   * @throws GeneralSecurityException when an extension cannot be encoded or signing fails
   */
  public X509Certificate sign() throws GeneralSecurityException {
    if (notBefore == null || basicConstraints == null) {
      throw new IllegalStateException(
          "certificate for " + subject + ": validity and CA or end entity must be set");
    }
    BigInteger serial = new BigInteger(127, Certificates.RANDOM).add(BigInteger.ONE);
    X509v3CertificateBuilder b =
        issuer == null
            ? new JcaX509v3CertificateBuilder(
                subject, serial, Date.from(notBefore), Date.from(notAfter), subject, subjectKey)
            : new JcaX509v3CertificateBuilder(
                issuer, serial, Date.from(notBefore), Date.from(notAfter), subject, subjectKey);
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, basicConstraints);
      b.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
      if (extendedKeyUsage.length > 0) {
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(extendedKeyUsage));
      }
      if (subjectAltNames != null) {
        b.addExtension(
            Extension.subjectAlternativeName,
            subjectAltNamesCritical,
            new GeneralNames(subjectAltNames));
      }
      b.addExtension(
          Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey));
      if (issuer != null) {
        b.addExtension(
            Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuer));
      }
      return new JcaX509CertificateConverter()
          .getCertificate(
              b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signingKey)));
    } catch (CertIOException | OperatorCreationException e) {
      throw new GeneralSecurityException("cannot sign: " + e.getMessage(), e);
    }
  }

  private CertificateBuilder ca(BasicConstraints constraints) {
    this.basicConstraints = constraints;
    this.keyUsage = KeyUsage.keyCertSign | KeyUsage.cRLSign;
    this.extendedKeyUsage = new KeyPurposeId[0];
    return this;
  }
}

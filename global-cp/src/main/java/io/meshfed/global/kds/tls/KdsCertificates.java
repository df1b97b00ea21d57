package io.meshfed.global.kds.tls;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
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
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Creates the KDS CA and serving certificates (EC P-256, ECDSA with SHA-256). */
final class KdsCertificates {
  static final Duration CA_VALIDITY = Duration.ofDays(3650);
  static final Duration SERVER_VALIDITY = Duration.ofDays(365);

  /** Certificates start this much in the past, so peers with a slow clock accept them. */
  static final Duration BACKDATE = Duration.ofMinutes(5);

  /** A serving certificate closer than this to its expiry is renewed at start. */
  static final Duration RENEW_BEFORE = Duration.ofDays(30);

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private KdsCertificates() {}

  /** A certificate and its private key. */
  record Issued(X509Certificate certificate, java.security.PrivateKey key) {
    String pemBundle() {
      return Pem.certificate(certificate) + Pem.privateKey(key);
    }

    static Issued parse(String pem, String where) {
      return new Issued(Pem.certificates(pem, where).get(0), Pem.firstPrivateKey(pem, where));
    }
  }

  static Issued newCa(Instant now) {
    KeyPair keys = ecKeyPair();
    X500Name subject =
        new X500Name("CN=meshfed KDS CA " + new BigInteger(32, RANDOM).toString(16) + ",O=meshfed");
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              subject,
              serial(),
              Date.from(now.minus(BACKDATE)),
              Date.from(now.plus(CA_VALIDITY)),
              subject,
              keys.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(
          Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      return new Issued(sign(b, keys.getPrivate()), keys.getPrivate());
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot create the KDS CA certificate: " + e.getMessage(), e);
    }
  }

  static Issued newServer(Issued ca, Set<String> names, Instant now) {
    KeyPair keys = ecKeyPair();
    List<GeneralName> sans = new ArrayList<>();
    for (String name : names) {
      sans.add(
          isIpLiteral(name)
              ? new GeneralName(GeneralName.iPAddress, name)
              : new GeneralName(GeneralName.dNSName, name));
    }
    Instant notAfter = now.plus(SERVER_VALIDITY);
    if (notAfter.isAfter(ca.certificate().getNotAfter().toInstant())) {
      notAfter = ca.certificate().getNotAfter().toInstant();
    }
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              ca.certificate(),
              serial(),
              Date.from(now.minus(BACKDATE)),
              Date.from(notAfter),
              new X500Name("CN=meshfed-global-kds,O=meshfed"),
              keys.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(sans.toArray(GeneralName[]::new)));
      b.addExtension(
          Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      b.addExtension(
          Extension.authorityKeyIdentifier,
          false,
          ext.createAuthorityKeyIdentifier(ca.certificate()));
      return new Issued(sign(b, ca.key()), keys.getPrivate());
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException(
          "cannot create the KDS serving certificate: " + e.getMessage(), e);
    }
  }

  /**
   * Why the stored serving certificate cannot be reused, or null when it can: it must be signed by
   * {@code ca}, name every one of {@code names} and be valid for longer than {@link #RENEW_BEFORE}.
   */
  static String unusableBecause(X509Certificate server, Issued ca, Set<String> names, Instant now) {
    if (!signedBy(server, ca.certificate().getPublicKey())) {
      return "it is not signed by the current KDS CA";
    }
    if (server.getNotAfter().toInstant().isBefore(now.plus(RENEW_BEFORE))) {
      return "it expires at " + server.getNotAfter().toInstant();
    }
    Set<String> missing = new LinkedHashSet<>(names);
    missing.removeAll(subjectAltNames(server));
    if (!missing.isEmpty()) {
      return "it does not name " + missing;
    }
    return null;
  }

  static boolean signedBy(X509Certificate cert, PublicKey issuerKey) {
    try {
      cert.verify(issuerKey);
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** DNS names (lowercase) and IP addresses (canonical text) of the certificate's SAN. */
  static Set<String> subjectAltNames(X509Certificate cert) {
    Set<String> out = new LinkedHashSet<>();
    try {
      Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      if (sans == null) {
        return out;
      }
      for (List<?> san : sans) {
        out.add(canonical(String.valueOf(san.get(1))));
      }
    } catch (CertificateParsingException e) {
      throw new IllegalArgumentException("cannot read the certificate's SANs: " + e.getMessage());
    }
    return out;
  }

  /** Lowercase host names; IP literals in Java's canonical text form. */
  static String canonical(String name) {
    if (isIpLiteral(name)) {
      try {
        return InetAddress.getByName(name).getHostAddress();
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("'" + name + "' is not an IP address", e);
      }
    }
    return name.toLowerCase(Locale.ROOT);
  }

  static boolean isIpLiteral(String name) {
    return name.indexOf(':') >= 0 || IPV4.matcher(name).matches();
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, java.security.PrivateKey key)
      throws GeneralSecurityException {
    try {
      ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(key);
      return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e.getMessage(), e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  private static KeyPair ecKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate an EC P-256 key: " + e.getMessage(), e);
    }
  }
}

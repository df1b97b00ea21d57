package io.meshfed.global.kds.tls;

import io.meshfed.kds.pki.CertificateBuilder;
import io.meshfed.kds.pki.Certificates;
import io.meshfed.kds.pki.Pem;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;

/** Creates the KDS CA and serving certificates (EC P-256, ECDSA with SHA-256). */
final class KdsCertificates {
  static final Duration CA_VALIDITY = Duration.ofDays(3650);
  static final Duration SERVER_VALIDITY = Duration.ofDays(365);

  /** A serving certificate closer than this to its expiry is renewed at start. */
  static final Duration RENEW_BEFORE = Duration.ofDays(30);

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private KdsCertificates() {}

  /** A certificate and its private key. */
  record Issued(X509Certificate certificate, PrivateKey key) {
    String pemBundle() {
      return Pem.certificate(certificate) + Pem.privateKey(key);
    }

    static Issued parse(String pem, String where) {
      return new Issued(Pem.certificates(pem, where).get(0), Pem.firstPrivateKey(pem, where));
    }
  }

  static Issued newCa(Instant now) {
    KeyPair keys = Certificates.ecKeyPair();
    X500Name subject =
        new X500Name("CN=meshfed KDS CA " + new BigInteger(32, RANDOM).toString(16) + ",O=meshfed");
    try {
      X509Certificate certificate =
          CertificateBuilder.selfSigned(subject, keys)
              .validFor(now, CA_VALIDITY)
              .certificateAuthority(0)
              .sign();
      return new Issued(certificate, keys.getPrivate());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot create the KDS CA certificate: " + e.getMessage(), e);
    }
  }

  static Issued newServer(Issued ca, Set<String> names, Instant now) {
    KeyPair keys = Certificates.ecKeyPair();
    List<GeneralName> sans = new ArrayList<>();
    for (String name : names) {
      sans.add(
          isIpLiteral(name)
              ? new GeneralName(GeneralName.iPAddress, name)
              : new GeneralName(GeneralName.dNSName, name));
    }
    try {
      X509Certificate certificate =
          CertificateBuilder.issuedBy(
                  ca.certificate(),
                  ca.key(),
                  new X500Name("CN=meshfed-global-kds,O=meshfed"),
                  keys.getPublic())
              .validFor(now, SERVER_VALIDITY)
              .endEntity(KeyUsage.digitalSignature, KeyPurposeId.id_kp_serverAuth)
              .subjectAltNames(false, sans)
              .sign();
      return new Issued(certificate, keys.getPrivate());
    } catch (GeneralSecurityException e) {
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
}

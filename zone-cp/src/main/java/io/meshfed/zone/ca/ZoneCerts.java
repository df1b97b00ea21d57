package io.meshfed.zone.ca;

import io.meshfed.model.spec.Tags;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** The zone's certificate work: keys, its CA request, and data plane proxy leaves. EC P-256. */
final class ZoneCerts {
  /** Leaves start this much in the past, so peers with a slow clock accept them. */
  static final Duration BACKDATE = Duration.ofMinutes(5);

  private static final SecureRandom RANDOM = new SecureRandom();

  private ZoneCerts() {}

  /** A leaf certificate and its private key. */
  record Leaf(X509Certificate certificate, PrivateKey key) {}

  static KeyPair ecKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate an EC P-256 key: " + e.getMessage(), e);
    }
  }

  /** A PEM PKCS#10 request for the zone's intermediate CA, signed with its key. */
  static String certificateRequest(KeyPair keys, String zone, String mesh) {
    X500Name subject =
        new X500NameBuilder(BCStyle.INSTANCE)
            .addRDN(
                BCStyle.O, "meshfed") // RFC 2253 text lists the last RDN first: "CN=..,O=meshfed"
            .addRDN(BCStyle.CN, zone + " intermediate CA for mesh " + mesh)
            .build();
    try {
      return CaPem.certificateRequest(
          new JcaPKCS10CertificationRequestBuilder(subject, keys.getPublic())
              .build(signer(keys.getPrivate()))
              .getEncoded());
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode the certificate request: " + e, e);
    }
  }

  /**
   * The URI SANs of a proxy with these inbound tags: {@code spiffe://<mesh>/<service>} for each
   * {@code kuma.io/service} value, then {@code kuma://<tag>/<value>} for every tag and value, both
   * sorted.
   */
  static List<String> uriSans(String mesh, Map<String, Set<String>> tags) {
    List<String> out = new ArrayList<>();
    for (String service : new TreeSet<>(tags.getOrDefault(Tags.SERVICE, Set.of()))) {
      out.add("spiffe://" + mesh + "/" + service);
    }
    new TreeMap<>(tags)
        .forEach(
            (tag, values) ->
                new TreeSet<>(values).forEach(v -> out.add("kuma://" + tag + "/" + v)));
    return out;
  }

  /**
   * A leaf under {@code ca}: a fresh key, the {@link #uriSans} (critical, as the subject is empty),
   * serverAuth and clientAuth, digitalSignature and keyEncipherment, valid from {@code now - 5m}
   * until {@code now + lifetime}, capped at the intermediate's expiry.
   */
  static Leaf leaf(ZoneIntermediate ca, List<String> sans, Duration lifetime, Instant now) {
    KeyPair keys = ecKeyPair();
    Instant notAfter = now.plus(lifetime);
    if (notAfter.isAfter(ca.notAfter())) {
      notAfter = ca.notAfter();
    }
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              ca.certificate(),
              new BigInteger(127, RANDOM).add(BigInteger.ONE),
              Date.from(now.minus(BACKDATE)),
              Date.from(notAfter),
              new X500Name(new org.bouncycastle.asn1.x500.RDN[0]),
              keys.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      b.addExtension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      b.addExtension(
          Extension.subjectAlternativeName,
          true,
          new GeneralNames(
              sans.stream()
                  .map(uri -> new GeneralName(GeneralName.uniformResourceIdentifier, uri))
                  .toArray(GeneralName[]::new)));
      b.addExtension(
          Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      b.addExtension(
          Extension.authorityKeyIdentifier,
          false,
          ext.createAuthorityKeyIdentifier(ca.certificate()));
      X509Certificate cert =
          new JcaX509CertificateConverter().getCertificate(b.build(signer(ca.key())));
      return new Leaf(cert, keys.getPrivate());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue a certificate for " + sans + ": " + e, e);
    }
  }

  /** True when {@code key} is the private half of {@code publicKey}. */
  static boolean keyMatches(PrivateKey key, PublicKey publicKey) {
    if (!key.getAlgorithm().equals(publicKey.getAlgorithm()) || !"EC".equals(key.getAlgorithm())) {
      return false;
    }
    byte[] probe = "meshfed key probe".getBytes(StandardCharsets.US_ASCII);
    try {
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance("SHA256withECDSA");
      v.initVerify(publicKey);
      v.update(probe);
      return v.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static ContentSigner signer(PrivateKey key) {
    try {
      return new JcaContentSignerBuilder("SHA256withECDSA").build(key);
    } catch (OperatorCreationException e) {
      throw new IllegalStateException("cannot sign with an EC key: " + e.getMessage(), e);
    }
  }
}

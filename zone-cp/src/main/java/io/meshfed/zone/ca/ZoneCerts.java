package io.meshfed.zone.ca;

import io.meshfed.kds.pki.CertificateBuilder;
import io.meshfed.kds.pki.Certificates;
import io.meshfed.kds.pki.Pem;
import io.meshfed.model.spec.Tags;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** The zone's certificate work: keys, its CA request, and data plane proxy leaves. EC P-256. */
final class ZoneCerts {
  private ZoneCerts() {}

  /** A leaf certificate and its private key. */
  record Leaf(X509Certificate certificate, PrivateKey key) {}

  /** A PEM PKCS#10 request for the zone's intermediate CA, signed with its key. */
  static String certificateRequest(KeyPair keys, String zone, String mesh) {
    X500Name subject = Certificates.meshfedName(zone + " intermediate CA for mesh " + mesh);
    try {
      return Pem.certificateRequest(
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
    KeyPair keys = Certificates.ecKeyPair();
    try {
      X509Certificate cert =
          CertificateBuilder.issuedBy(
                  ca.certificate(), ca.key(), new X500Name(new RDN[0]), keys.getPublic())
              .validFor(now, lifetime)
              .endEntity(
                  KeyUsage.digitalSignature | KeyUsage.keyEncipherment,
                  KeyPurposeId.id_kp_serverAuth,
                  KeyPurposeId.id_kp_clientAuth)
              .subjectAltNames(
                  true,
                  sans.stream()
                      .map(uri -> new GeneralName(GeneralName.uniformResourceIdentifier, uri))
                      .toList())
              .sign();
      return new Leaf(cert, keys.getPrivate());
    } catch (GeneralSecurityException e) {
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

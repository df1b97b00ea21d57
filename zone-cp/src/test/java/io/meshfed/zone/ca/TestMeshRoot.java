package io.meshfed.zone.ca;

import io.meshfed.kds.pki.Certificates;
import io.meshfed.kds.pki.Pem;
import java.io.StringReader;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * A stand-in for global's mesh CA in zone tests: a self-signed root that signs zone CSRs as
 * intermediates (CA, path length 0) valid for {@code validity} from the clock's now.
 */
final class TestMeshRoot implements ZoneCaSigner {
  final KeyPair keys = Certificates.ecKeyPair();
  final X509Certificate certificate;
  final AtomicInteger requests = new AtomicInteger();
  private final Supplier<Instant> now;
  private final Duration validity;

  TestMeshRoot(String mesh, Supplier<Instant> now, Duration validity) throws Exception {
    this.now = now;
    this.validity = validity;
    X500Name subject = new X500Name("CN=" + mesh + " test root,O=meshfed");
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            subject,
            BigInteger.ONE,
            Date.from(now.get().minus(Duration.ofDays(1))),
            Date.from(now.get().plus(Duration.ofDays(3650))),
            subject,
            keys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign));
    certificate =
        new JcaX509CertificateConverter()
            .getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
  }

  @Override
  public CompletableFuture<SignedCa> sign(String mesh, String backend, String csrPem) {
    requests.incrementAndGet();
    try (PEMParser p = new PEMParser(new StringReader(csrPem))) {
      JcaPKCS10CertificationRequest csr =
          new JcaPKCS10CertificationRequest((PKCS10CertificationRequest) p.readObject());
      Instant start = now.get();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              certificate,
              BigInteger.valueOf(requests.get() + 1L),
              Date.from(start.minus(Duration.ofMinutes(5))),
              Date.from(start.plus(validity)),
              csr.getSubject(),
              csr.getPublicKey());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      X509Certificate signed =
          new JcaX509CertificateConverter()
              .getCertificate(
                  b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
      return CompletableFuture.completedFuture(
          new SignedCa(
              Pem.certificate(signed),
              Pem.certificate(certificate),
              signed.getNotAfter().toInstant()));
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}

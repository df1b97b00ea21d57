package io.meshfed.zone.ca;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** PEM text of certificates, PKCS#8 private keys and certificate requests. */
final class CaPem {
  private static final Base64.Encoder MIME =
      Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));

  private CaPem() {}

  static String certificate(X509Certificate certificate) {
    try {
      return block("CERTIFICATE", certificate.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IllegalArgumentException("cannot encode a certificate: " + e.getMessage(), e);
    }
  }

  static String privateKey(PrivateKey key) {
    return block("PRIVATE KEY", key.getEncoded());
  }

  static String certificateRequest(byte[] der) {
    return block("CERTIFICATE REQUEST", der);
  }

  /** Every certificate in {@code pem}, in order. */
  static List<X509Certificate> certificates(String pem, String where) {
    List<X509Certificate> out = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object o;
      while ((o = parser.readObject()) != null) {
        if (o instanceof X509CertificateHolder holder) {
          out.add(converter.getCertificate(holder));
        }
      }
    } catch (IOException | CertificateException | RuntimeException e) {
      throw new IllegalArgumentException(
          where + ": not valid PEM certificates (" + e.getMessage() + ")", e);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(
          where + ": no certificate found (expected a PEM '-----BEGIN CERTIFICATE-----' block)");
    }
    return List.copyOf(out);
  }

  /** The PKCS#8 private key in {@code pem}. */
  static PrivateKey privateKey(String pem, String where) {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object o;
      while ((o = parser.readObject()) != null) {
        if (o instanceof PrivateKeyInfo info) {
          return new JcaPEMKeyConverter().getPrivateKey(info);
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          where + ": not a valid PEM private key (" + e.getMessage() + ")", e);
    }
    throw new IllegalArgumentException(
        where + ": no private key found (expected a PEM '-----BEGIN PRIVATE KEY-----' block)");
  }

  private static String block(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + MIME.encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}

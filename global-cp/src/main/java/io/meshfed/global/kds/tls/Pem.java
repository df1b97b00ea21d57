package io.meshfed.global.kds.tls;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * PEM text for certificates and private keys. Keys are written as PKCS#8 ({@code BEGIN PRIVATE
 * KEY}); reading also accepts PKCS#1 RSA and SEC1 EC keys, as operators' files often hold them.
 */
public final class Pem {
  private static final Base64.Encoder MIME =
      Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));

  private Pem() {}

  public static String certificate(X509Certificate certificate) {
    try {
      return block("CERTIFICATE", certificate.getEncoded());
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IllegalArgumentException("cannot encode certificate: " + e.getMessage(), e);
    }
  }

  public static String privateKey(PrivateKey key) {
    if (!"PKCS#8".equals(key.getFormat())) {
      throw new IllegalArgumentException(
          "private key format is " + key.getFormat() + " (expected PKCS#8)");
    }
    return block("PRIVATE KEY", key.getEncoded());
  }

  /** Every certificate in {@code pem}, in order; other blocks (such as keys) are skipped. */
  public static List<X509Certificate> certificates(String pem, String where) {
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

  /** The first private key in {@code pem} (PKCS#8, PKCS#1 RSA or SEC1 EC; not encrypted). */
  public static PrivateKey firstPrivateKey(String pem, String where) {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object o;
      while ((o = parser.readObject()) != null) {
        if (o instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
        if (o instanceof PEMKeyPair pair) {
          return converter.getPrivateKey(pair.getPrivateKeyInfo());
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          where + ": not a valid PEM private key (" + e.getMessage() + ")", e);
    }
    throw new IllegalArgumentException(
        where
            + ": no unencrypted private key found (expected a PEM '-----BEGIN PRIVATE KEY-----',"
            + " 'RSA PRIVATE KEY' or 'EC PRIVATE KEY' block)");
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

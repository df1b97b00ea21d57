package io.meshfed.kds.pki;

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
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * PEM text of certificates, private keys and certificate requests. Keys are written as PKCS#8
 * ({@code BEGIN PRIVATE KEY}). Reading comes in two strengths: {@link #pkcs8PrivateKey} accepts
 * only what {@link #privateKey(PrivateKey)} writes, {@link #firstPrivateKey} also accepts PKCS#1
 * RSA and SEC1 EC keys, as operators' files often hold them.
 *
 * <p>Errors are {@link IllegalArgumentException}s that start with {@code where} (a file, a field, a
 * secret) and say which block was expected.
 */
public final class Pem {
  private static final Base64.Encoder MIME =
      Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));

  private Pem() {}

  /** A {@code CERTIFICATE} block. */
  public static String certificate(X509Certificate certificate) {
    try {
      return block("CERTIFICATE", certificate.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IllegalArgumentException("cannot encode a certificate: " + e.getMessage(), e);
    }
  }

  /** A {@code PRIVATE KEY} block; {@code key} must be PKCS#8 encoded, as JCA keys are. */
  public static String privateKey(PrivateKey key) {
    if (!"PKCS#8".equals(key.getFormat())) {
      throw new IllegalArgumentException(
          "private key format is " + key.getFormat() + " (expected PKCS#8)");
    }
    return block("PRIVATE KEY", key.getEncoded());
  }

  /** A {@code CERTIFICATE REQUEST} block of a DER PKCS#10 request. */
  public static String certificateRequest(byte[] der) {
    return block("CERTIFICATE REQUEST", der);
  }

  /**
   * Every certificate in {@code pem}, in order; other blocks (such as keys) are skipped.
   *
   * @throws IllegalArgumentException when the text does not parse or holds no certificate
   */
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

  /**
   * The first PKCS#8 ({@code BEGIN PRIVATE KEY}) key in {@code pem}; other blocks are skipped.
   *
   * @throws IllegalArgumentException when the text does not parse or holds no such key
   */
  public static PrivateKey pkcs8PrivateKey(String pem, String where) {
    PrivateKey key = readKey(pem, where, false);
    if (key == null) {
      throw new IllegalArgumentException(
          where + ": no private key found (expected a PEM '-----BEGIN PRIVATE KEY-----' block)");
    }
    return key;
  }

  /**
   * The first unencrypted private key in {@code pem}: PKCS#8, PKCS#1 RSA or SEC1 EC.
   *
   * @throws IllegalArgumentException when the text does not parse or holds no such key
   */
  public static PrivateKey firstPrivateKey(String pem, String where) {
    PrivateKey key = readKey(pem, where, true);
    if (key == null) {
      throw new IllegalArgumentException(
          where
              + ": no unencrypted private key found (expected a PEM '-----BEGIN PRIVATE KEY-----',"
              + " 'RSA PRIVATE KEY' or 'EC PRIVATE KEY' block)");
    }
    return key;
  }

  /** The first key block in {@code pem}, or null; PKCS#1 and SEC1 pairs only when asked. */
  private static PrivateKey readKey(String pem, String where, boolean keyPairs) {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object o;
      while ((o = parser.readObject()) != null) {
        if (o instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
        if (keyPairs && o instanceof PEMKeyPair pair) {
          return converter.getPrivateKey(pair.getPrivateKeyInfo());
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          where + ": not a valid PEM private key (" + e.getMessage() + ")", e);
    }
    return null;
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

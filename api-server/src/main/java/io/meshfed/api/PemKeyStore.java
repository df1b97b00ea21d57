package io.meshfed.api;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API's TLS identity from PEM files: a certificate chain (leaf first) and a PKCS#8 private key
 * ({@code BEGIN PRIVATE KEY}; RSA, EC or Ed25519), as an in-memory key store.
 */
final class PemKeyStore {
  static final String ALIAS = "api";
  static final char[] PASSWORD = "meshfed-api".toCharArray();
  private static final Pattern KEY =
      Pattern.compile("-----BEGIN ([A-Z ]*)PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END");

  private PemKeyStore() {}

  static KeyStore load(Path certFile, Path keyFile) {
    List<Certificate> chain = certificates(certFile);
    PrivateKey key = privateKey(keyFile);
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(ALIAS, key, PASSWORD, chain.toArray(Certificate[]::new));
      return store;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException(
          "api-tls-cert-file "
              + certFile
              + " and api-tls-key-file "
              + keyFile
              + " do not make a TLS identity: "
              + e.getMessage(),
          e);
    }
  }

  private static List<Certificate> certificates(Path file) {
    try {
      byte[] pem = Files.readAllBytes(file);
      List<Certificate> chain =
          new ArrayList<>(
              CertificateFactory.getInstance("X.509")
                  .generateCertificates(new ByteArrayInputStream(pem)));
      if (chain.isEmpty()) {
        throw new IllegalArgumentException(
            "api-tls-cert-file "
                + file
                + ": no certificate found (expected PEM '-----BEGIN CERTIFICATE-----' blocks)");
      }
      return chain;
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "api-tls-cert-file " + file + " cannot be read: " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "api-tls-cert-file " + file + ": not valid PEM certificates (" + e.getMessage() + ")", e);
    }
  }

  private static PrivateKey privateKey(Path file) {
    String pem;
    try {
      pem = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "api-tls-key-file " + file + " cannot be read: " + e.getMessage(), e);
    }
    Matcher m = KEY.matcher(pem);
    if (!m.find()) {
      throw new IllegalArgumentException(
          "api-tls-key-file " + file + ": no '-----BEGIN PRIVATE KEY-----' block found");
    }
    if (!m.group(1).isEmpty()) {
      throw new IllegalArgumentException(
          "api-tls-key-file "
              + file
              + ": a '"
              + m.group(1).trim()
              + " PRIVATE KEY' block is not supported (expected PKCS#8 'PRIVATE KEY'; convert"
              + " it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8)");
    }
    byte[] der = Base64.getMimeDecoder().decode(m.group(2));
    for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new IllegalArgumentException(
        "api-tls-key-file " + file + ": not an RSA, EC or Ed25519 PKCS#8 private key");
  }
}

package io.meshfed.kds.pki;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;

/** The conventions every meshfed certificate follows: EC P-256 keys, back-dating, subjects. */
public final class Certificates {
  /** Certificates start this much in the past, so peers with a slow clock accept them. */
  public static final Duration BACKDATE = Duration.ofMinutes(5);

  static final SecureRandom RANDOM = new SecureRandom();

  private Certificates() {}

  /** A fresh EC P-256 (secp256r1) key pair. */
  public static KeyPair ecKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate an EC P-256 key: " + e.getMessage(), e);
    }
  }

  /** {@code CN=<commonName>,O=meshfed}. */
  public static X500Name meshfedName(String commonName) {
    return new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.O, "meshfed") // RFC 2253 text lists the last RDN first: "CN=..,O=meshfed"
        .addRDN(BCStyle.CN, commonName)
        .build();
  }
}

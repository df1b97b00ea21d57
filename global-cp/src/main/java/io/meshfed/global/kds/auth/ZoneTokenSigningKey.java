package io.meshfed.global.kds.auth;

import io.meshfed.global.kds.tls.GlobalSecrets;
import io.meshfed.kds.pki.Pem;
import io.meshfed.store.ResourceStore;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RSA key pair that signs zone tokens. Global creates it on first start and keeps it, private
 * key in PKCS#8 PEM, in the {@code GlobalSecret} {@code zone-token-signing-key-<kid>}; it never
 * leaves global (the type does not sync to zones). Tokens name the key in their {@code kid}.
 */
public record ZoneTokenSigningKey(String kid, PrivateKey privateKey, PublicKey publicKey) {
  private static final Logger log = LoggerFactory.getLogger(ZoneTokenSigningKey.class);

  /** Serial of the current signing key. */
  public static final String CURRENT_KID = "1";

  public static final String SECRET_PREFIX = "zone-token-signing-key-";

  static final int RSA_BITS = 2048;

  public ZoneTokenSigningKey {
    Objects.requireNonNull(kid, "kid");
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(publicKey, "publicKey");
  }

  /** The name of the secret holding key {@code kid}. */
  public static String secretName(String kid) {
    return SECRET_PREFIX + kid;
  }

  /**
   * The current signing key from the store, created and stored when absent. When several global
   * replicas create it at once, all of them end up with the one that was stored first.
   */
  public static ZoneTokenSigningKey loadOrCreate(ResourceStore store) {
    return loadOrCreate(store, ZoneTokenSigningKey::newPrivateKey);
  }

  /**
   * Like {@link #loadOrCreate(ResourceStore)}, taking a new key from {@code generator} (e.g. one
   * generated in the background, see {@link SigningKeyPrefetch}) when the store holds none.
   */
  public static ZoneTokenSigningKey loadOrCreate(
      ResourceStore store, java.util.function.Supplier<PrivateKey> generator) {
    String name = secretName(CURRENT_KID);
    byte[] pem =
        GlobalSecrets.getOrCreate(
                store,
                name,
                () -> {
                  log.info("creating the zone token signing key (GlobalSecret '{}')", name);
                  return Pem.privateKey(generator.get()).getBytes(StandardCharsets.UTF_8);
                })
            .data();
    PrivateKey key =
        Pem.firstPrivateKey(new String(pem, StandardCharsets.UTF_8), "GlobalSecret '" + name + "'");
    return of(CURRENT_KID, key);
  }

  /** A key pair from an RSA private key (the public half is derived from it). */
  public static ZoneTokenSigningKey of(String kid, PrivateKey key) {
    if (!(key instanceof RSAPrivateCrtKey rsa)) {
      throw new IllegalArgumentException(
          "zone token signing key '"
              + kid
              + "' is a "
              + key.getAlgorithm()
              + " key (expected an RSA private key with CRT parameters, PKCS#8)");
    }
    try {
      PublicKey pub =
          KeyFactory.getInstance("RSA")
              .generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
      return new ZoneTokenSigningKey(kid, key, pub);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "zone token signing key '" + kid + "': cannot derive its public key: " + e.getMessage(),
          e);
    }
  }

  /** A fresh key pair, not stored anywhere (tests, and {@link #loadOrCreate}). */
  public static ZoneTokenSigningKey generate(String kid) {
    return of(kid, newPrivateKey());
  }

  /**
   * A new RSA private key of {@value #RSA_BITS} bits (CPU-bound: a few hundred ms in a cold JVM).
   */
  public static PrivateKey newPrivateKey() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(RSA_BITS);
      return g.generateKeyPair().getPrivate();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate an RSA key: " + e.getMessage(), e);
    }
  }

  /** Never prints the private key. */
  @Override
  public String toString() {
    return "ZoneTokenSigningKey{kid=" + kid + "}";
  }
}

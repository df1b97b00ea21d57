package io.meshfed.zone.auth;

import io.meshfed.api.auth.InvalidTokenException;
import io.meshfed.api.auth.Principal;
import io.meshfed.api.auth.TokenVerifier;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * How one replica of a zone vouches for a request it hands to another replica when the caller sent
 * no token of its own (a request global relayed over KDS, or an anonymous admin on loopback): a
 * short-lived token signed with this process's Ed25519 key, whose public half the replica registers
 * with its {@code instances/<id>} key. The key exists only in this process's memory; a replica that
 * dies takes it along and its registration expires with its lease.
 *
 * <p>Token: {@code mfr1.<b64 instanceId>.<expiry epoch s>.<b64 path>.<b64 signature>}, signed over
 * {@code instanceId \n expiry \n path}. It proves the sender is a live replica of this zone and
 * names the one path it was made for: {@link #allows} tells an endpoint whether a caller may ask
 * that path. Immutable; thread-safe.
 */
public final class ReplicaTokens {
  /** Tokens of this kind start with this. */
  static final String PREFIX = "mfr1.";

  /** Principal names of verified replica tokens start with this, then the instance id. */
  public static final String PRINCIPAL_PREFIX = "zone-replica:";

  /** How long a token is accepted after it was made. */
  public static final Duration LIFETIME = Duration.ofSeconds(30);

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder UNB64 = Base64.getUrlDecoder();

  private final String instanceId;
  private final KeyPair keys;
  private final Clock clock;

  private ReplicaTokens(String instanceId, KeyPair keys, Clock clock) {
    this.instanceId = instanceId;
    this.keys = keys;
    this.clock = clock;
  }

  /** A new key pair for replica {@code instanceId}. */
  public static ReplicaTokens generate(String instanceId, Clock clock) {
    try {
      return new ReplicaTokens(
          instanceId, KeyPairGenerator.getInstance("Ed25519").generateKeyPair(), clock);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot make Ed25519 keys: " + e, e);
    }
  }

  /** The public key to register, X.509-encoded, URL-safe base64. */
  public String publicKey() {
    return B64.encodeToString(keys.getPublic().getEncoded());
  }

  /** A token for {@code path} (the decoded path the other replica will see). */
  public String sign(String path) {
    long expiry = clock.instant().plus(LIFETIME).getEpochSecond();
    String signed = instanceId + "\n" + expiry + "\n" + path;
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(keys.getPrivate());
      s.update(signed.getBytes(StandardCharsets.UTF_8));
      return PREFIX
          + b64(instanceId)
          + "."
          + expiry
          + "."
          + b64(path)
          + "."
          + B64.encodeToString(s.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a replica token: " + e, e);
    }
  }

  /**
   * Verifies replica tokens with the keys live replicas registered ({@code publicKeyOf}: instance
   * id to its registered key, empty when it has none or is not live); any other token goes to
   * {@code users}.
   */
  public static TokenVerifier verifier(
      TokenVerifier users, Function<String, Optional<String>> publicKeyOf, Clock clock) {
    return token ->
        token.startsWith(PREFIX) ? verify(token, publicKeyOf, clock) : users.verify(token);
  }

  /**
   * Whether {@code caller} may ask {@code path}: any caller but a replica token, which only the
   * path it was made for.
   */
  public static boolean allows(Principal caller, String path) {
    String name = caller.name();
    if (!name.startsWith(PRINCIPAL_PREFIX)) {
      return true;
    }
    int space = name.indexOf(' ');
    return space > 0 && name.substring(space + 1).equals("for " + path);
  }

  private static Principal verify(
      String token, Function<String, Optional<String>> publicKeyOf, Clock clock) {
    String[] parts = token.substring(PREFIX.length()).split("\\.", -1);
    if (parts.length != 4) {
      throw new InvalidTokenException("replica token has " + parts.length + " parts (expected 4)");
    }
    String instance;
    String path;
    long expiry;
    byte[] signature;
    try {
      instance = unb64(parts[0]);
      expiry = Long.parseLong(parts[1]);
      path = unb64(parts[2]);
      signature = UNB64.decode(parts[3]);
    } catch (IllegalArgumentException e) {
      throw new InvalidTokenException("replica token is malformed: " + e.getMessage());
    }
    if (clock.instant().getEpochSecond() > expiry) {
      throw new InvalidTokenException("replica token of " + instance + " expired");
    }
    String key =
        publicKeyOf
            .apply(instance)
            .orElseThrow(
                () ->
                    new InvalidTokenException(
                        "replica " + instance + " is not a live replica of this zone"));
    try {
      PublicKey publicKey =
          KeyFactory.getInstance("Ed25519")
              .generatePublic(new X509EncodedKeySpec(UNB64.decode(key)));
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(publicKey);
      s.update((instance + "\n" + expiry + "\n" + path).getBytes(StandardCharsets.UTF_8));
      if (!s.verify(signature)) {
        throw new InvalidTokenException("replica token of " + instance + " has a bad signature");
      }
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new InvalidTokenException(
          "replica token of " + instance + " cannot be checked: " + e.getMessage());
    }
    return Principal.authenticated(PRINCIPAL_PREFIX + instance + " for " + path, Set.of());
  }

  private static String b64(String s) {
    return B64.encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String unb64(String s) {
    return new String(UNB64.decode(s), StandardCharsets.UTF_8);
  }
}

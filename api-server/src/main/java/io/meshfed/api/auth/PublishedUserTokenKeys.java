package io.meshfed.api.auth;

import io.meshfed.api.ApiException;
import io.meshfed.model.Resource;
import io.meshfed.model.spec.GlobalSecretSpec;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The public halves of global's user token keys, as global publishes them to zones: the
 * GlobalSecret {@value #PREFIX}{@code <kid>} holding a PEM public key, synced over KDS. A zone
 * verifies user tokens with them without ever holding the private key. Read from a {@link
 * WatchedGlobalSecrets} view (no store call on a request); each decoded key is kept, keyed by its
 * kid and the secret's version.
 */
public final class PublishedUserTokenKeys implements Function<String, PublicKey> {
  /** Name prefix of the published keys; the kid follows. */
  public static final String PREFIX = "user-token-signing-public-key-";

  private record Decoded(long version, PublicKey key) {}

  private final WatchedGlobalSecrets secrets;
  private final ConcurrentHashMap<String, Decoded> decoded = new ConcurrentHashMap<>();

  /**
   * @param secrets a view holding (at least) the GlobalSecrets named {@value #PREFIX}{@code <kid>}
   */
  public PublishedUserTokenKeys(WatchedGlobalSecrets secrets) {
    this.secrets = Objects.requireNonNull(secrets, "secrets");
  }

  /** The name of the GlobalSecret publishing key {@code kid}. */
  public static String secretName(String kid) {
    return PREFIX + kid;
  }

  /**
   * The published key {@code kid}, or null when this store has none (not received yet).
   *
   * @throws InvalidTokenException when the key cannot be read
   * @throws ApiException 503 when the view of the keys is stale
   */
  @Override
  public PublicKey apply(String kid) {
    String name = secretName(kid);
    Optional<Resource> secret;
    try {
      secret = secrets.get(name);
    } catch (WatchedGlobalSecrets.StaleSecretsException e) {
      throw new ApiException(
          503,
          "Service Unavailable",
          "cannot read the user token key (GlobalSecret '"
              + name
              + "'): the store is unavailable ("
              + e.getMessage()
              + "); retry later");
    }
    if (secret.isEmpty()) {
      decoded.remove(kid);
      return null;
    }
    Decoded d = decoded.get(kid);
    if (d != null && d.version() == secret.get().version()) {
      return d.key();
    }
    PublicKey key;
    try {
      key =
          PublicKeyPem.decodeRsa(
              new String(
                  secret.get().spec(GlobalSecretSpec.class).bytes(), StandardCharsets.US_ASCII),
              "GlobalSecret '" + name + "'");
    } catch (IllegalArgumentException | ClassCastException e) {
      throw new InvalidTokenException(
          "the published user token key is unusable: " + e.getMessage());
    }
    decoded.put(kid, new Decoded(secret.get().version(), key));
    return key;
  }
}

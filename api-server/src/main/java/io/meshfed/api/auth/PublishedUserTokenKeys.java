package io.meshfed.api.auth;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.GlobalSecretSpec;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.StoreCalls;
import io.meshfed.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The public halves of global's user token keys, as global publishes them to zones: the
 * GlobalSecret {@value #PREFIX}{@code <kid>} holding a PEM public key, synced over KDS. A zone
 * verifies user tokens with them without ever holding the private key. The last decoded key is
 * kept, keyed by the secret's version, so a request costs one store read.
 */
public final class PublishedUserTokenKeys implements Function<String, PublicKey> {
  /** Name prefix of the published keys; the kid follows. */
  public static final String PREFIX = "user-token-signing-public-key-";

  private record Cached(String kid, long version, PublicKey key) {}

  private final ResourceStore store;
  private final Duration timeout;
  private final AtomicReference<Cached> last = new AtomicReference<>();

  public PublishedUserTokenKeys(ResourceStore store, Duration timeout) {
    this.store = Objects.requireNonNull(store, "store");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  /** The name of the GlobalSecret publishing key {@code kid}. */
  public static String secretName(String kid) {
    return PREFIX + kid;
  }

  /**
   * The published key {@code kid}, or null when this store has none (not received yet).
   *
   * @throws InvalidTokenException when the key cannot be read
   */
  @Override
  public PublicKey apply(String kid) {
    String name = secretName(kid);
    Optional<Resource> secret;
    try {
      secret =
          StoreCalls.await(
              store.get(ResourceKey.global(StandardTypes.GLOBAL_SECRET, name)),
              timeout,
              "read GlobalSecret '" + name + "'");
    } catch (StoreException e) {
      throw new io.meshfed.api.ApiException(
          503,
          "Service Unavailable",
          "cannot read the user token key (GlobalSecret '"
              + name
              + "'): the store is"
              + " unavailable; retry later");
    }
    if (secret.isEmpty()) {
      return null;
    }
    Cached c = last.get();
    if (c != null && c.kid().equals(kid) && c.version() == secret.get().version()) {
      return c.key();
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
    last.set(new Cached(kid, secret.get().version(), key));
    return key;
  }
}

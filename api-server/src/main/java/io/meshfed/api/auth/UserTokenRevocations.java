package io.meshfed.api.auth;

import io.meshfed.api.ApiException;
import io.meshfed.model.Resource;
import io.meshfed.model.spec.GlobalSecretSpec;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ids of revoked user tokens, as Kuma keeps them: the GlobalSecret {@value #SECRET} whose data
 * is the ids separated by commas (spaces and newlines are accepted too). Read from a {@link
 * WatchedGlobalSecrets} view, so a check costs no store call and never waits for the store, while a
 * revocation written on any global replica (or received from global, on a zone) holds as soon as
 * the store's watch delivers it. When the view cannot vouch for itself (not loaded, or the store
 * silent for longer than its bound) the check fails closed with a 503. The parsed list is kept,
 * keyed by the secret's version.
 */
public final class UserTokenRevocations {
  private static final Logger log = LoggerFactory.getLogger(UserTokenRevocations.class);

  public static final String SECRET = "user-token-revocations";

  private record Parsed(long version, Set<String> ids) {}

  private final WatchedGlobalSecrets secrets;
  private final AtomicReference<Parsed> last = new AtomicReference<>();

  /**
   * @param secrets a view holding (at least) the GlobalSecret {@value #SECRET}
   */
  public UserTokenRevocations(WatchedGlobalSecrets secrets) {
    this.secrets = Objects.requireNonNull(secrets, "secrets");
  }

  /**
   * Whether token {@code id} is revoked.
   *
   * @throws ApiException 503 when the revocation list cannot be checked
   */
  public boolean isRevoked(String id) {
    return ids().contains(id);
  }

  /** Every revoked id. */
  public Set<String> ids() {
    Optional<Resource> secret;
    try {
      secret = secrets.get(SECRET);
    } catch (WatchedGlobalSecrets.StaleSecretsException e) {
      log.warn("cannot check the user token revocation list: {}", e.getMessage());
      throw new ApiException(
          503,
          "Service Unavailable",
          "cannot check the user token revocation list (GlobalSecret '"
              + SECRET
              + "'): the store is unavailable ("
              + e.getMessage()
              + "); retry later");
    }
    if (secret.isEmpty()) {
      return Set.of();
    }
    Parsed p = last.get();
    if (p != null && p.version() == secret.get().version()) {
      return p.ids();
    }
    byte[] data;
    try {
      data = secret.get().spec(GlobalSecretSpec.class).bytes();
    } catch (IllegalArgumentException | ClassCastException e) {
      // A list that cannot be read revokes nothing we could name: refuse every token instead.
      throw new ApiException(
          503,
          "Service Unavailable",
          "GlobalSecret '"
              + SECRET
              + "' is not base64 data; fix it (expected comma-separated ids)");
    }
    Set<String> ids = parse(new String(data, StandardCharsets.UTF_8));
    last.set(new Parsed(secret.get().version(), ids));
    return ids;
  }

  /** The ids in a revocation list: separated by commas and/or white space. */
  static Set<String> parse(String text) {
    return Arrays.stream(text.split("[,\\s]+"))
        .filter(s -> !s.isEmpty())
        .collect(Collectors.toUnmodifiableSet());
  }
}

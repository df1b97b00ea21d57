package io.meshfed.api.auth;

import io.meshfed.api.ApiException;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.GlobalSecretSpec;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.StoreCalls;
import io.meshfed.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ids of revoked user tokens, as Kuma keeps them: the GlobalSecret {@value #SECRET} whose data
 * is the ids separated by commas (spaces and newlines are accepted too). Read from the store on
 * every check, so a revocation written on one global replica holds on all of them at once; when the
 * store cannot be read the check fails closed with a 503.
 */
public final class UserTokenRevocations {
  private static final Logger log = LoggerFactory.getLogger(UserTokenRevocations.class);

  public static final String SECRET = "user-token-revocations";

  private final ResourceStore store;
  private final Duration timeout;

  public UserTokenRevocations(ResourceStore store, Duration timeout) {
    this.store = Objects.requireNonNull(store, "store");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  /**
   * Whether token {@code id} is revoked.
   *
   * @throws ApiException 503 when the revocation list cannot be read
   */
  public boolean isRevoked(String id) {
    return ids().contains(id);
  }

  /** Every revoked id. */
  public Set<String> ids() {
    Optional<Resource> secret;
    try {
      secret =
          StoreCalls.await(
              store.get(ResourceKey.global(StandardTypes.GLOBAL_SECRET, SECRET)),
              timeout,
              "read GlobalSecret '" + SECRET + "'");
    } catch (StoreException e) {
      log.warn("cannot read the user token revocation list: {}", e.getMessage());
      throw new ApiException(
          503,
          "Service Unavailable",
          "cannot check the user token revocation list (GlobalSecret '"
              + SECRET
              + "'): the store is unavailable; retry later");
    }
    if (secret.isEmpty()) {
      return Set.of();
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
    return parse(new String(data, StandardCharsets.UTF_8));
  }

  /** The ids in a revocation list: separated by commas and/or white space. */
  static Set<String> parse(String text) {
    return Arrays.stream(text.split("[,\\s]+"))
        .filter(s -> !s.isEmpty())
        .collect(Collectors.toUnmodifiableSet());
  }
}

package io.meshfed.api.auth;

import io.meshfed.store.ResourceStore;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The one view of the GlobalSecrets user token checks read: the revocation list ({@value
 * UserTokenRevocations#SECRET}) and the published public keys ({@value
 * PublishedUserTokenKeys#PREFIX}{@code <kid>}).
 */
public final class UserTokenSecrets {
  private UserTokenSecrets() {}

  /** Whether GlobalSecret {@code name} is one the user token checks read. */
  public static boolean isUserTokenSecret(String name) {
    return name.equals(UserTokenRevocations.SECRET)
        || name.startsWith(PublishedUserTokenKeys.PREFIX);
  }

  /** Starts watching them in {@code store}, with the default timing. */
  public static WatchedGlobalSecrets watch(
      ResourceStore store, Clock clock, ScheduledExecutorService scheduler) {
    return WatchedGlobalSecrets.start(
        store,
        UserTokenSecrets::isUserTokenSecret,
        "the user token revocation list and keys",
        clock,
        scheduler,
        WatchedGlobalSecrets.Settings.defaults());
  }
}

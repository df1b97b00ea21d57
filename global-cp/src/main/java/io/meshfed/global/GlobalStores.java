package io.meshfed.global;

import io.meshfed.model.TypeRegistry;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.crypto.SecretsAtRest;
import io.meshfed.store.etcd.Stores;
import java.time.Clock;

/** Opens the store a {@link GlobalConfig} asks for. */
public final class GlobalStores {
  private GlobalStores() {}

  /**
   * The embedded store under {@code data-dir}, the memory store, or a connection to etcd under
   * {@code etcd-prefix}/r, behind the encryption of secrets at rest ({@link SecretsAtRest}: checks
   * that the first stored secrets open with the configured keys; a key rotation completes in the
   * background).
   *
   * @throws IllegalStateException when stored secrets cannot be decrypted (the message names the
   *     key they need)
   * @throws IllegalArgumentException when a secrets key file is missing or malformed
   */
  public static ResourceStore open(GlobalConfig config, TypeRegistry registry, Clock clock) {
    return Stores.open(config, "global", registry, clock);
  }
}

package io.meshfed.zone;

import io.meshfed.model.TypeRegistry;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.crypto.SecretsAtRest;
import io.meshfed.store.etcd.Stores;
import java.time.Clock;

/** Opens the store a {@link ZoneConfig} asks for. */
public final class ZoneStores {
  private ZoneStores() {}

  /**
   * The embedded store under {@code data-dir}, the memory store, or a connection to etcd under
   * {@code etcd-prefix}/r, behind the encryption of secrets at rest: the Secrets and GlobalSecrets
   * a zone receives over KDS are encrypted with the zone's own key (see {@link SecretsAtRest}).
   *
   * @throws IllegalStateException when stored secrets cannot be decrypted (the message names the
   *     key they need)
   * @throws IllegalArgumentException when a secrets key file is missing or malformed
   */
  public static ResourceStore open(ZoneConfig config, TypeRegistry registry, Clock clock) {
    return Stores.open(config, "zone", registry, clock);
  }
}

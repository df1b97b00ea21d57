package io.meshfed.global;

import io.meshfed.model.TypeRegistry;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.embedded.EmbeddedResourceStore;
import io.meshfed.store.etcd.Stores;
import java.time.Clock;

/** Opens the store a {@link GlobalConfig} asks for. */
public final class GlobalStores {
  private GlobalStores() {}

  /**
   * The embedded store under {@code data-dir}, the memory store, or a connection to etcd under
   * {@code etcd-prefix}/r.
   */
  public static ResourceStore open(GlobalConfig config, TypeRegistry registry, Clock clock) {
    if (config.store() == GlobalConfig.StoreKind.EMBEDDED) {
      return EmbeddedResourceStore.open(config.dataDir(), registry, clock);
    }
    return Stores.open(
        config.store() == GlobalConfig.StoreKind.ETCD,
        config.etcdEndpoints(),
        config.etcdPrefix(),
        config.etcdUsername(),
        config.etcdPassword(),
        registry,
        clock);
  }
}

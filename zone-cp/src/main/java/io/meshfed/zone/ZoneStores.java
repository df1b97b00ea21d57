package io.meshfed.zone;

import io.meshfed.model.TypeRegistry;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.embedded.EmbeddedResourceStore;
import io.meshfed.store.etcd.Stores;
import java.time.Clock;

/** Opens the store a {@link ZoneConfig} asks for. */
public final class ZoneStores {
  private ZoneStores() {}

  /**
   * The embedded store under {@code data-dir}, the memory store, or a connection to etcd under
   * {@code etcd-prefix}/r.
   */
  public static ResourceStore open(ZoneConfig config, TypeRegistry registry, Clock clock) {
    if (config.store() == ZoneConfig.StoreKind.EMBEDDED) {
      return EmbeddedResourceStore.open(config.dataDir(), registry, clock);
    }
    return Stores.open(
        config.store() == ZoneConfig.StoreKind.ETCD,
        config.etcdEndpoints(),
        config.etcdPrefix(),
        config.etcdUsername(),
        config.etcdPassword(),
        registry,
        clock);
  }
}

package io.meshfed.zone;

import io.meshfed.model.TypeRegistry;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.etcd.EtcdResourceStore;
import io.meshfed.store.memory.MemoryResourceStore;
import java.time.Clock;

/** Opens the store a {@link ZoneConfig} asks for. */
public final class ZoneStores {
  private ZoneStores() {}

  /** The memory store, or a connection to etcd under {@code etcd-prefix}/r. */
  public static ResourceStore open(ZoneConfig config, TypeRegistry registry, Clock clock) {
    return switch (config.store()) {
      case MEMORY -> new MemoryResourceStore(clock, MemoryResourceStore.DEFAULT_HISTORY);
      case ETCD -> {
        EtcdResourceStore.Options options =
            EtcdResourceStore.Options.of(config.etcdEndpoints().toArray(String[]::new))
                .withPrefix(config.etcdPrefix() + "/r");
        if (config.etcdUsername() != null) {
          options = options.withCredentials(config.etcdUsername(), config.etcdPassword());
        }
        yield EtcdResourceStore.connect(options, registry, clock);
      }
    };
  }
}

package io.meshfed.global;

import io.meshfed.model.TypeRegistry;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.etcd.EtcdResourceStore;
import io.meshfed.store.memory.MemoryResourceStore;
import java.time.Clock;

/** Opens the store a {@link GlobalConfig} asks for. */
public final class GlobalStores {
  private GlobalStores() {}

  /** The memory store, or a connection to etcd under {@code etcd-prefix}/r. */
  public static ResourceStore open(GlobalConfig config, TypeRegistry registry, Clock clock) {
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

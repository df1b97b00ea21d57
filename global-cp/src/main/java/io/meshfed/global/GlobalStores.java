package io.meshfed.global;

import io.meshfed.store.ResourceStore;
import io.meshfed.store.memory.MemoryResourceStore;

/** Opens the store a {@link GlobalConfig} asks for. */
public final class GlobalStores {
  private GlobalStores() {}

  public static ResourceStore open(GlobalConfig config) {
    return switch (config.store()) {
      case MEMORY -> new MemoryResourceStore();
      case ETCD -> throw new IllegalStateException("etcd store is wired when the etcd module lands");
    };
  }
}

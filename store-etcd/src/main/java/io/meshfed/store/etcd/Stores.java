package io.meshfed.store.etcd;

import io.meshfed.model.TypeRegistry;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.memory.MemoryResourceStore;
import java.time.Clock;
import java.util.List;

/** Opens the store a control plane's settings ask for: memory, or etcd under a prefix. */
public final class Stores {
  private Stores() {}

  /**
   * @param etcd false for the memory store (the other arguments are then unused)
   * @param prefix meshfed's key prefix; resources live under {@code <prefix>/r}
   * @param username etcd user, or null without authentication
   */
  public static ResourceStore open(
      boolean etcd,
      List<String> endpoints,
      String prefix,
      String username,
      String password,
      TypeRegistry registry,
      Clock clock) {
    if (!etcd) {
      return new MemoryResourceStore(clock, MemoryResourceStore.DEFAULT_HISTORY);
    }
    EtcdResourceStore.Options options =
        EtcdResourceStore.Options.of(endpoints.toArray(String[]::new)).withPrefix(prefix + "/r");
    if (username != null) {
      options = options.withCredentials(username, password);
    }
    return EtcdResourceStore.connect(options, registry, clock);
  }
}

package io.meshfed.global.kds.tls;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.store.ForwardingStore;
import io.meshfed.store.ResourceStore;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A store whose first {@code get} of each key misses: the way a replica sees the store when another
 * replica creates the same secret between its read and its create. Everything else goes to the
 * delegate.
 */
final class LateReadStore extends ForwardingStore {
  private final Set<ResourceKey> seen = ConcurrentHashMap.newKeySet();

  LateReadStore(ResourceStore delegate) {
    super(delegate);
  }

  @Override
  public CompletableFuture<Optional<Resource>> get(ResourceKey key) {
    if (seen.add(key)) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return delegate().get(key);
  }
}

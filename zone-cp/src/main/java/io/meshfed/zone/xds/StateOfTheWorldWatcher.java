package io.meshfed.zone.xds;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A decorator of the snapshot cache's state-of-the-world watches. Delta watches pass through: the
 * zone refuses delta xDS streams ({@link ProxyStreams}), so none reach the cache.
 */
abstract class StateOfTheWorldWatcher implements ConfigWatcher {
  protected final ConfigWatcher delegate;

  StateOfTheWorldWatcher(ConfigWatcher delegate) {
    this.delegate = delegate;
  }

  @Override
  public final DeltaWatch createDeltaWatch(
      DeltaXdsRequest request,
      String requesterVersion,
      Map<String, String> resourceVersions,
      Set<String> pendingResources,
      boolean isWildcard,
      Consumer<DeltaResponse> responseConsumer,
      boolean hasClusterChanged) {
    return delegate.createDeltaWatch(
        request,
        requesterVersion,
        resourceVersions,
        pendingResources,
        isWildcard,
        responseConsumer,
        hasClusterChanged);
  }
}

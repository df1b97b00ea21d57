package io.meshfed.zone.xds;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Stops NACK storms. A NACK carries the version Envoy still runs, not the one it rejected, so the
 * snapshot cache would answer it at once with the same rejected config, Envoy would reject it
 * again, and so on. This watcher rewrites a NACK's version to the rejected one (known from the
 * response it answers) before the cache sees it: the cache then holds the watch until the config
 * changes, and Envoy keeps running its previous config meanwhile.
 */
final class NackHoldingWatcher extends StateOfTheWorldWatcher {
  /** Looks up the version of the response a NACK answers. */
  interface RejectedVersions {
    Optional<String> versionSent(String nodeId, String typeUrl, String nonce);
  }

  private final RejectedVersions sent;

  NackHoldingWatcher(ConfigWatcher delegate, RejectedVersions sent) {
    super(delegate);
    this.sent = sent;
  }

  @Override
  public Watch createWatch(
      boolean ads,
      XdsRequest request,
      Set<String> knownResourceNames,
      Consumer<Response> responseConsumer,
      boolean hasClusterChanged,
      boolean allowDefaultEmptyEdsUpdate) {
    XdsRequest effective = request;
    if (request.hasErrorDetail()) {
      Optional<String> rejected =
          sent.versionSent(
              request.v3Request().getNode().getId(),
              request.getTypeUrl(),
              request.getResponseNonce());
      if (rejected.isPresent()) {
        effective =
            XdsRequest.create(
                request.v3Request().toBuilder().setVersionInfo(rejected.get()).build());
      }
    }
    return delegate.createWatch(
        ads,
        effective,
        knownResourceNames,
        responseConsumer,
        hasClusterChanged,
        allowDefaultEmptyEdsUpdate);
  }
}

package io.meshfed.api;

import io.meshfed.model.Resource;
import io.meshfed.model.spec.DataplaneInsightSpec;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.DiscoverySubscription;
import java.util.List;
import java.util.Optional;

/**
 * One data plane proxy as the insights count it, as Kuma does: online while its xDS stream is open
 * and every inbound is ready, partially degraded when open but an inbound is not ready, else
 * offline (a proxy without an insight never connected).
 */
record ProxyStatus(Resource dataplane, DataplaneInsightSpec insight) {
  enum State {
    ONLINE,
    OFFLINE,
    PARTIALLY_DEGRADED
  }

  DataplaneSpec spec() {
    return dataplane.spec(DataplaneSpec.class);
  }

  State state() {
    if (insight == null || !insight.online()) {
      return State.OFFLINE;
    }
    return spec().inbounds().stream().allMatch(i -> i == null || i.ready())
        ? State.ONLINE
        : State.PARTIALLY_DEGRADED;
  }

  boolean gateway() {
    return spec().networking() != null && spec().networking().gateway() != null;
  }

  /** The backend that issued its certificate, when mTLS is on. */
  Optional<String> issuedBackend() {
    return Optional.ofNullable(insight)
        .map(DataplaneInsightSpec::mTLS)
        .map(DataplaneInsightSpec.Mtls::issuedBackend);
  }

  List<String> supportedBackends() {
    return insight == null || insight.mTLS() == null
        ? List.of()
        : insight.mTLS().supportedBackends();
  }

  /** The version its newest subscription reported, if any. */
  Optional<DiscoverySubscription.Version> version() {
    if (insight == null) {
      return Optional.empty();
    }
    List<DiscoverySubscription> subs = insight.subscriptions();
    for (int i = subs.size() - 1; i >= 0; i--) {
      if (subs.get(i) != null && subs.get(i).version() != null) {
        return Optional.of(subs.get(i).version());
      }
    }
    return Optional.empty();
  }
}

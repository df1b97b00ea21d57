package io.meshfed.model.spec;

import io.meshfed.model.Spec;
import java.util.List;

/** {@code ZoneIngressInsight}: xDS subscriptions of one zone ingress proxy. */
public record ZoneIngressInsightSpec(List<DiscoverySubscription> subscriptions) implements Spec {
  public ZoneIngressInsightSpec {
    subscriptions = Copy.list(subscriptions);
  }

  public boolean online() {
    return subscriptions.stream().anyMatch(s -> s != null && s.connected());
  }
}

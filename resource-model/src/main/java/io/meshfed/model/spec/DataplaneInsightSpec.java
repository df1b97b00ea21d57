package io.meshfed.model.spec;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.meshfed.model.Spec;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** {@code DataplaneInsight}: xDS subscriptions and certificate state of one data plane proxy. */
public record DataplaneInsightSpec(
    List<DiscoverySubscription> subscriptions,
    @JsonProperty("mTLS") Mtls mTLS,
    Map<String, Object> metadata)
    implements Spec {

  public DataplaneInsightSpec {
    subscriptions = Copy.list(subscriptions);
    metadata = Copy.tree(metadata);
  }

  /** True when the newest subscription is still open. */
  public boolean online() {
    return subscriptions.stream().anyMatch(s -> s != null && s.connected());
  }

  /** {@code mTLS: {certificateExpirationTime, lastCertificateRegeneration, ...}}. */
  public record Mtls(
      Instant certificateExpirationTime,
      Instant lastCertificateRegeneration,
      Long certificateRegenerations,
      String issuedBackend,
      List<String> supportedBackends) {
    public Mtls {
      supportedBackends = Copy.list(supportedBackends);
    }
  }
}

package io.meshfed.model.validation;

import io.meshfed.model.spec.CircuitBreakerSpec;
import io.meshfed.model.spec.DataplaneInsightSpec;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.FaultInjectionSpec;
import io.meshfed.model.spec.GlobalSecretSpec;
import io.meshfed.model.spec.HealthCheckSpec;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.ProxyTemplateSpec;
import io.meshfed.model.spec.RateLimitSpec;
import io.meshfed.model.spec.RetrySpec;
import io.meshfed.model.spec.SecretSpec;
import io.meshfed.model.spec.TimeoutSpec;
import io.meshfed.model.spec.TrafficLogSpec;
import io.meshfed.model.spec.TrafficPermissionSpec;
import io.meshfed.model.spec.TrafficRouteSpec;
import io.meshfed.model.spec.TrafficTraceSpec;
import io.meshfed.model.spec.ZoneIngressInsightSpec;
import io.meshfed.model.spec.ZoneIngressSpec;
import io.meshfed.model.spec.ZoneInsightSpec;
import io.meshfed.model.spec.ZoneSpec;

/** The validators of the standard types, for {@link io.meshfed.model.StandardTypes}. */
public final class Validators {
  private Validators() {}

  public static SpecValidator<MeshSpec> mesh() {
    return new MeshValidator();
  }

  public static SpecValidator<ZoneSpec> zone() {
    return SpecValidator.none();
  }

  /** Insights are written by the control plane; only their shape is checked. */
  public static SpecValidator<ZoneInsightSpec> zoneInsight() {
    return (spec, v) -> nullEntries(spec.subscriptions(), v.field("subscriptions"));
  }

  public static SpecValidator<ZoneIngressSpec> zoneIngress() {
    return new ZoneIngressValidator();
  }

  public static SpecValidator<ZoneIngressInsightSpec> zoneIngressInsight() {
    return (spec, v) -> nullEntries(spec.subscriptions(), v.field("subscriptions"));
  }

  public static SpecValidator<GlobalSecretSpec> globalSecret() {
    return (spec, v) -> SecretValidator.data(spec.data(), v);
  }

  public static SpecValidator<DataplaneSpec> dataplane() {
    return new DataplaneValidator();
  }

  public static SpecValidator<DataplaneInsightSpec> dataplaneInsight() {
    return (spec, v) -> nullEntries(spec.subscriptions(), v.field("subscriptions"));
  }

  public static SpecValidator<SecretSpec> secret() {
    return (spec, v) -> SecretValidator.data(spec.data(), v);
  }

  public static SpecValidator<TrafficPermissionSpec> trafficPermission() {
    return PolicyValidators.trafficPermission();
  }

  public static SpecValidator<TrafficRouteSpec> trafficRoute() {
    return PolicyValidators::trafficRoute;
  }

  public static SpecValidator<HealthCheckSpec> healthCheck() {
    return PolicyValidators::healthCheck;
  }

  public static SpecValidator<CircuitBreakerSpec> circuitBreaker() {
    return PolicyValidators::circuitBreaker;
  }

  public static SpecValidator<TrafficLogSpec> trafficLog() {
    return PolicyValidators::trafficLog;
  }

  public static SpecValidator<TrafficTraceSpec> trafficTrace() {
    return PolicyValidators::trafficTrace;
  }

  public static SpecValidator<ProxyTemplateSpec> proxyTemplate() {
    return ProxyTemplateValidator::proxyTemplate;
  }

  public static SpecValidator<TimeoutSpec> timeout() {
    return PolicyValidators::timeout;
  }

  public static SpecValidator<RetrySpec> retry() {
    return PolicyValidators::retry;
  }

  public static SpecValidator<FaultInjectionSpec> faultInjection() {
    return InboundPolicyValidators::faultInjection;
  }

  public static SpecValidator<RateLimitSpec> rateLimit() {
    return InboundPolicyValidators::rateLimit;
  }

  private static void nullEntries(java.util.List<?> list, Violations v) {
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i) == null) {
        v.index(i).add("must not be null");
      }
    }
  }
}

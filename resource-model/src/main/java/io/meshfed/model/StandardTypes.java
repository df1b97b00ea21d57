package io.meshfed.model;

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
import io.meshfed.model.spec.ZoneSyncStateSpec;
import io.meshfed.model.validation.SpecValidator;
import io.meshfed.model.validation.Validators;
import java.util.Map;

/** The resource types meshfed ships with, in Kuma's names and REST paths. */
public final class StandardTypes {
  public static final String MESH = "Mesh";
  public static final String ZONE = "Zone";
  public static final String ZONE_INSIGHT = "ZoneInsight";
  public static final String ZONE_SYNC_STATE = "ZoneSyncState";
  public static final String ZONE_INGRESS = "ZoneIngress";
  public static final String ZONE_INGRESS_INSIGHT = "ZoneIngressInsight";
  public static final String GLOBAL_SECRET = "GlobalSecret";
  public static final String DATAPLANE = "Dataplane";
  public static final String DATAPLANE_INSIGHT = "DataplaneInsight";
  public static final String SECRET = "Secret";
  public static final String TRAFFIC_PERMISSION = "TrafficPermission";
  public static final String TRAFFIC_ROUTE = "TrafficRoute";
  public static final String HEALTH_CHECK = "HealthCheck";
  public static final String CIRCUIT_BREAKER = "CircuitBreaker";
  public static final String TRAFFIC_LOG = "TrafficLog";
  public static final String TRAFFIC_TRACE = "TrafficTrace";
  public static final String PROXY_TEMPLATE = "ProxyTemplate";
  public static final String TIMEOUT = "Timeout";
  public static final String RETRY = "Retry";
  public static final String FAULT_INJECTION = "FaultInjection";
  public static final String RATE_LIMIT = "RateLimit";

  private StandardTypes() {}

  /** A new registry holding every standard type. */
  public static TypeRegistry registry() {
    return registry(Map.of());
  }

  /**
   * A new registry holding every standard type, each type named in {@code extraChecks} with that
   * check run after its own validator: the hook for checks the resource model cannot make itself
   * (zone-ingress parses ProxyTemplate values into Envoy's protos).
   *
   * @throws IllegalArgumentException when a check names a type that is not standard
   */
  public static TypeRegistry registry(Map<String, SpecValidator<Spec>> extraChecks) {
    TypeRegistry standard = standardTypes();
    for (String type : extraChecks.keySet()) {
      standard.require(type);
    }
    TypeRegistry r = new TypeRegistry();
    for (ResourceType t : standard.all()) {
      SpecValidator<Spec> extra = extraChecks.get(t.name());
      r.register(extra == null ? t : t.withCheck(extra));
    }
    return r;
  }

  private static TypeRegistry standardTypes() {
    TypeRegistry r = new TypeRegistry();
    // global-scoped
    r.register(
        ResourceType.builder(MESH, MeshSpec.class)
            .plural("meshes")
            .scope(Scope.GLOBAL)
            .sync(SyncDirection.GLOBAL_TO_ZONES)
            .validator(Validators.mesh())
            .build());
    r.register(
        ResourceType.builder(ZONE, ZoneSpec.class)
            .plural("zones")
            .scope(Scope.GLOBAL)
            .sync(SyncDirection.NONE)
            .validator(Validators.zone())
            .build());
    r.register(
        ResourceType.builder(ZONE_INSIGHT, ZoneInsightSpec.class)
            .plural("zone-insights")
            .scope(Scope.GLOBAL)
            .sync(SyncDirection.NONE)
            .systemManaged()
            .validator(Validators.zoneInsight())
            .build());
    // Internal: per-zone sync state global keeps for /_sync; written by global only, never
    // synced, its resources carry Labels.MANAGED_BY so the API neither shows nor accepts them.
    r.register(
        ResourceType.builder(ZONE_SYNC_STATE, ZoneSyncStateSpec.class)
            .plural("zone-sync-states")
            .scope(Scope.GLOBAL)
            .sync(SyncDirection.NONE)
            .systemManaged()
            .build());
    r.register(
        ResourceType.builder(ZONE_INGRESS, ZoneIngressSpec.class)
            .plural("zone-ingresses")
            .scope(Scope.GLOBAL)
            .sync(SyncDirection.ZONE_TO_GLOBAL_TO_OTHER_ZONES)
            .validator(Validators.zoneIngress())
            .build());
    r.register(
        ResourceType.builder(ZONE_INGRESS_INSIGHT, ZoneIngressInsightSpec.class)
            .plural("zone-ingress-insights")
            .scope(Scope.GLOBAL)
            .sync(SyncDirection.ZONE_TO_GLOBAL)
            .systemManaged()
            .validator(Validators.zoneIngressInsight())
            .build());
    r.register(
        ResourceType.builder(GLOBAL_SECRET, GlobalSecretSpec.class)
            .plural("global-secrets")
            .scope(Scope.GLOBAL)
            .sync(SyncDirection.GLOBAL_TO_ZONES)
            // Only what global publishes on purpose (the zone-token public key); operator
            // global secrets stay on global.
            .syncOnly(Labels::optsIntoZones)
            .validator(Validators.globalSecret())
            .build());
    // mesh-scoped
    r.register(
        ResourceType.builder(DATAPLANE, DataplaneSpec.class)
            .plural("dataplanes")
            .sync(SyncDirection.ZONE_TO_GLOBAL)
            .validator(Validators.dataplane())
            .build());
    r.register(
        ResourceType.builder(DATAPLANE_INSIGHT, DataplaneInsightSpec.class)
            .plural("dataplane-insights")
            .sync(SyncDirection.ZONE_TO_GLOBAL)
            .systemManaged()
            .validator(Validators.dataplaneInsight())
            .build());
    r.register(
        ResourceType.builder(SECRET, SecretSpec.class)
            .plural("secrets")
            .sync(SyncDirection.GLOBAL_TO_ZONES)
            .validator(Validators.secret())
            .build());
    r.register(
        ResourceType.builder(TRAFFIC_PERMISSION, TrafficPermissionSpec.class)
            .plural("traffic-permissions")
            .sync(SyncDirection.GLOBAL_TO_ZONES)
            .validator(Validators.trafficPermission())
            .build());
    r.register(
        ResourceType.builder(TRAFFIC_ROUTE, TrafficRouteSpec.class)
            .plural("traffic-routes")
            .sync(SyncDirection.GLOBAL_TO_ZONES)
            .validator(Validators.trafficRoute())
            .build());
    r.register(
        ResourceType.builder(HEALTH_CHECK, HealthCheckSpec.class)
            .plural("health-checks")
            .sync(SyncDirection.GLOBAL_TO_ZONES)
            .validator(Validators.healthCheck())
            .build());
    r.register(
        ResourceType.builder(CIRCUIT_BREAKER, CircuitBreakerSpec.class)
            .plural("circuit-breakers")
            .sync(SyncDirection.GLOBAL_TO_ZONES)
            .validator(Validators.circuitBreaker())
            .build());
    r.register(
        ResourceType.builder(TRAFFIC_LOG, TrafficLogSpec.class)
            .plural("traffic-logs")
            .sync(SyncDirection.GLOBAL_TO_ZONES)
            .validator(Validators.trafficLog())
            .build());
    r.register(
        ResourceType.builder(TRAFFIC_TRACE, TrafficTraceSpec.class)
            .plural("traffic-traces")
            .sync(SyncDirection.GLOBAL_TO_ZONES)
            .validator(Validators.trafficTrace())
            .build());
    r.register(
        ResourceType.builder(PROXY_TEMPLATE, ProxyTemplateSpec.class)
            .plural("proxytemplates")
            .sync(SyncDirection.GLOBAL_TO_ZONES)
            .validator(Validators.proxyTemplate())
            .build());
    r.register(
        ResourceType.builder(TIMEOUT, TimeoutSpec.class)
            .plural("timeouts")
            .sync(SyncDirection.GLOBAL_TO_ZONES)
            .validator(Validators.timeout())
            .build());
    r.register(
        ResourceType.builder(RETRY, RetrySpec.class)
            .plural("retries")
            .sync(SyncDirection.GLOBAL_TO_ZONES)
            .validator(Validators.retry())
            .build());
    r.register(
        ResourceType.builder(FAULT_INJECTION, FaultInjectionSpec.class)
            .plural("fault-injections")
            .sync(SyncDirection.GLOBAL_TO_ZONES)
            .validator(Validators.faultInjection())
            .build());
    r.register(
        ResourceType.builder(RATE_LIMIT, RateLimitSpec.class)
            .plural("rate-limits")
            .sync(SyncDirection.GLOBAL_TO_ZONES)
            .validator(Validators.rateLimit())
            .build());
    return r;
  }
}

package io.meshfed.api;

import io.meshfed.model.ResourceType;
import io.meshfed.model.Spec;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.SyncDirection;
import io.meshfed.model.TypeRegistry;

/**
 * The standard types (ZoneIngress: zone-owned; DataplaneInsight: system-managed) plus a test
 * policy.
 */
final class TestTypes {
  /** A zone-owned global-scoped type (read only on global), reachable as /zoneingresses too. */
  static final String ZONE_INGRESS = "ZoneIngress";

  /** A system-managed mesh-scoped type: never writable. */
  static final String INSIGHT = "DataplaneInsight";

  /** A mesh-scoped policy whose validator reports two fields. */
  static final String CHECKED = "CheckedPolicy";

  record CheckedSpec(Integer port, String service) implements Spec {}

  private TestTypes() {}

  static TypeRegistry registry() {
    TypeRegistry r = StandardTypes.registry();
    r.register(
        ResourceType.builder(CHECKED, CheckedSpec.class)
            .plural("checked-policies")
            .sync(SyncDirection.GLOBAL_TO_ZONES)
            .validator(
                (spec, v) -> {
                  if (spec.port() == null || spec.port() < 1 || spec.port() > 65535) {
                    v.add("port", "must be between 1 and 65535");
                  }
                  if (spec.service() == null || spec.service().isEmpty()) {
                    v.add("service", "is required");
                  }
                })
            .build());
    return r;
  }
}

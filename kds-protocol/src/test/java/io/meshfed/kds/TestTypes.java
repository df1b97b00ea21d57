package io.meshfed.kds;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.ResourceType;
import io.meshfed.model.Scope;
import io.meshfed.model.Spec;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.SyncDirection;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.Selector;
import io.meshfed.model.spec.TrafficPermissionSpec;
import java.util.List;
import java.util.Map;

/** A registry for tests: Mesh and TrafficPermission plus a zone-owned mesh-scoped test type. */
final class TestTypes {
  static final String MESH = StandardTypes.MESH;
  static final String TP = StandardTypes.TRAFFIC_PERMISSION;
  static final String ZONE_THING = "ZoneThing";

  /** Spec of {@code ZoneThing}: an opaque payload; "invalid" fails validation. */
  record BlobSpec(String data) implements Spec {}

  private TestTypes() {}

  static TypeRegistry registry() {
    TypeRegistry standard = StandardTypes.registry();
    TypeRegistry r = new TypeRegistry();
    r.register(standard.require(MESH));
    r.register(standard.require(TP));
    r.register(
        ResourceType.builder(ZONE_THING, BlobSpec.class)
            .plural("zone-things")
            .scope(Scope.MESH)
            .sync(SyncDirection.ZONE_TO_GLOBAL)
            .validator(
                (spec, v) -> {
                  if ("invalid".equals(spec.data())) {
                    v.add("data", "must not be 'invalid'");
                  }
                })
            .build());
    return r;
  }

  static Resource mesh(String name) {
    return new Resource(
        ResourceKey.global(MESH, name),
        Meta.EMPTY,
        MeshSpec.ofMtls(new MeshSpec.Mtls(null, null, null)));
  }

  static Resource permission(String mesh, String name, String service) {
    return new Resource(
        ResourceKey.inMesh(TP, mesh, name),
        Meta.withLabels(Map.of("team", "a")),
        new TrafficPermissionSpec(
            List.of(new Selector(Map.of("kuma.io/service", "*"))),
            List.of(new Selector(Map.of("kuma.io/service", service)))));
  }

  static Resource thing(String mesh, String name, String data) {
    return new Resource(ResourceKey.inMesh(ZONE_THING, mesh, name), Meta.EMPTY, new BlobSpec(data));
  }
}

package io.meshfed.model;

import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.TrafficPermissionSpec;

/** The resource types meshfed ships with, in Kuma's names and REST paths. */
public final class StandardTypes {
  public static final String MESH = "Mesh";
  public static final String TRAFFIC_PERMISSION = "TrafficPermission";

  private StandardTypes() {}

  /** A new registry holding every standard type. */
  public static TypeRegistry registry() {
    TypeRegistry r = new TypeRegistry();
    r.register(
        ResourceType.builder(MESH, MeshSpec.class)
            .plural("meshes")
            .scope(Scope.GLOBAL)
            .sync(SyncDirection.GLOBAL_TO_ZONES)
            .build());
    r.register(
        ResourceType.builder(TRAFFIC_PERMISSION, TrafficPermissionSpec.class)
            .plural("traffic-permissions")
            .sync(SyncDirection.GLOBAL_TO_ZONES)
            .build());
    return r;
  }
}

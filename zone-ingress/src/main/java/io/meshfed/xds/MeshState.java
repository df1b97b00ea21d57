package io.meshfed.xds;

import io.meshfed.model.Resource;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.ZoneIngressSpec;
import java.util.List;

/**
 * Everything a zone control plane knows about one mesh that goes into Envoy config: the mesh, the
 * zone's own dataplanes in it, every zone ingress the zone knows (its own and the copies of other
 * zones' that global sent), and the mesh's policies. Built whole from one store read, then handed
 * to the generators, which are pure functions of it.
 *
 * @param zone the zone this control plane serves
 * @param mesh the {@code Mesh} resource
 * @param dataplanes this zone's {@code Dataplane} resources in the mesh
 * @param zoneIngresses every {@code ZoneIngress} in the zone's store (global-scoped: all meshes)
 * @param trafficPermissions the mesh's {@code TrafficPermission} resources
 * @param trafficRoutes the mesh's {@code TrafficRoute} resources
 */
public record MeshState(
    String zone,
    Resource mesh,
    List<Resource> dataplanes,
    List<Resource> zoneIngresses,
    List<Resource> trafficPermissions,
    List<Resource> trafficRoutes) {

  public MeshState {
    dataplanes = List.copyOf(dataplanes);
    zoneIngresses = List.copyOf(zoneIngresses);
    trafficPermissions = List.copyOf(trafficPermissions);
    trafficRoutes = List.copyOf(trafficRoutes);
  }

  public String meshName() {
    return mesh.name();
  }

  public MeshSpec meshSpec() {
    return mesh.spec(MeshSpec.class);
  }

  public boolean mtlsEnabled() {
    return meshSpec().mtlsEnabled();
  }

  /** Ingresses of other zones that other zones can dial (advertised address and port set). */
  public List<Resource> remoteIngresses() {
    return zoneIngresses.stream()
        .filter(
            r -> {
              ZoneIngressSpec s = r.spec(ZoneIngressSpec.class);
              return s.zone() != null && !s.zone().equals(zone) && s.hasPublicAddress();
            })
        .toList();
  }

  /** This zone's own ingresses. */
  public List<Resource> localIngresses() {
    return zoneIngresses.stream()
        .filter(r -> zone.equals(r.spec(ZoneIngressSpec.class).zone()))
        .toList();
  }
}

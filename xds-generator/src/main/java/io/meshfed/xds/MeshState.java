package io.meshfed.xds;

import io.meshfed.model.Labels;
import io.meshfed.model.Resource;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.ZoneIngressSpec;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Everything a zone control plane knows about one mesh that goes into Envoy config: the mesh, the
 * zone's own dataplanes in it, every zone ingress the zone knows (its own and the copies of other
 * zones' that global sent), and the mesh's policies: TrafficPermissions and TrafficRoutes, and the
 * other source/destination policies by type name ({@link #policies(String)}). Built whole from one
 * store read, then handed to the generators, which are pure functions of it.
 *
 * <p>An immutable value (equality over the seven parts). It also carries the lookups the generators
 * need, {@link #index()}, built once on first use and shared by every proxy generated from this
 * state, so that generating one proxy costs about its own outbounds times their endpoints rather
 * than a scan of the whole mesh.
 */
public final class MeshState {
  private final String zone;
  private final Resource mesh;
  private final List<Resource> dataplanes;
  private final List<Resource> zoneIngresses;
  private final List<Resource> trafficPermissions;
  private final List<Resource> trafficRoutes;
  private final Map<String, List<Resource>> policies;
  // Derived from the fields above; built at most a few times (racy single check: immutable and
  // deterministic, so a second build on another thread is only wasted work).
  private volatile MeshIndex index;

  /** A state without policies other than TrafficPermissions and TrafficRoutes. */
  public MeshState(
      String zone,
      Resource mesh,
      List<Resource> dataplanes,
      List<Resource> zoneIngresses,
      List<Resource> trafficPermissions,
      List<Resource> trafficRoutes) {
    this(zone, mesh, dataplanes, zoneIngresses, trafficPermissions, trafficRoutes, Map.of());
  }

  /**
   * @param zone the zone this control plane serves
   * @param mesh the {@code Mesh} resource
   * @param dataplanes this zone's {@code Dataplane} resources in the mesh
   * @param zoneIngresses every {@code ZoneIngress} in the zone's store (global-scoped: all meshes)
   * @param trafficPermissions the mesh's {@code TrafficPermission} resources
   * @param trafficRoutes the mesh's {@code TrafficRoute} resources
   * @param policies the mesh's other policies by type name ({@code HealthCheck}, {@code Timeout},
   *     ...); a type absent here has none
   */
  public MeshState(
      String zone,
      Resource mesh,
      List<Resource> dataplanes,
      List<Resource> zoneIngresses,
      List<Resource> trafficPermissions,
      List<Resource> trafficRoutes,
      Map<String, List<Resource>> policies) {
    this.zone = zone;
    this.mesh = mesh;
    this.dataplanes = List.copyOf(dataplanes);
    this.zoneIngresses = List.copyOf(zoneIngresses);
    this.trafficPermissions = List.copyOf(trafficPermissions);
    this.trafficRoutes = List.copyOf(trafficRoutes);
    Map<String, List<Resource>> copy = new TreeMap<>();
    policies.forEach(
        (type, list) -> {
          if (!list.isEmpty()) {
            copy.put(type, List.copyOf(list));
          }
        });
    this.policies = Collections.unmodifiableMap(copy);
  }

  public String zone() {
    return zone;
  }

  public Resource mesh() {
    return mesh;
  }

  public List<Resource> dataplanes() {
    return dataplanes;
  }

  public List<Resource> zoneIngresses() {
    return zoneIngresses;
  }

  public List<Resource> trafficPermissions() {
    return trafficPermissions;
  }

  public List<Resource> trafficRoutes() {
    return trafficRoutes;
  }

  /** The mesh's policies of type {@code type} (a registered type name), in no particular order. */
  public List<Resource> policies(String type) {
    return policies.getOrDefault(type, List.of());
  }

  /** Every policy type with at least one policy, mapped to its policies. */
  public Map<String, List<Resource>> policies() {
    return policies;
  }

  /** Lookups over this state, built on first use and then shared. */
  public MeshIndex index() {
    MeshIndex i = index;
    if (i == null) {
      i = new MeshIndex(this);
      index = i;
    }
    return i;
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

  /**
   * The mesh's {@code routing.localityAwareLoadBalancing}: local endpoints first, other zones only
   * when the local ones are not healthy enough.
   */
  public boolean localityAwareLoadBalancing() {
    MeshSpec.Routing routing = meshSpec().routing();
    return routing != null && Boolean.TRUE.equals(routing.localityAwareLoadBalancing());
  }

  /**
   * Ingresses of other zones that other zones can dial (advertised address and port set), except
   * those global marked offline ({@link Labels#ZONE_OFFLINE}): they are kept in the store, and
   * receive no traffic until their zone is back.
   */
  public List<Resource> remoteIngresses() {
    return zoneIngresses.stream()
        .filter(
            r -> {
              ZoneIngressSpec s = r.spec(ZoneIngressSpec.class);
              return s.zone() != null
                  && !s.zone().equals(zone)
                  && s.hasPublicAddress()
                  && !Labels.zoneOffline(r);
            })
        .toList();
  }

  /** This zone's own ingresses. */
  public List<Resource> localIngresses() {
    return zoneIngresses.stream()
        .filter(r -> zone.equals(r.spec(ZoneIngressSpec.class).zone()))
        .toList();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MeshState s
        && Objects.equals(zone, s.zone)
        && Objects.equals(mesh, s.mesh)
        && dataplanes.equals(s.dataplanes)
        && zoneIngresses.equals(s.zoneIngresses)
        && trafficPermissions.equals(s.trafficPermissions)
        && trafficRoutes.equals(s.trafficRoutes)
        && policies.equals(s.policies);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        zone, mesh, dataplanes, zoneIngresses, trafficPermissions, trafficRoutes, policies);
  }

  @Override
  public String toString() {
    return "MeshState[zone="
        + zone
        + ", mesh="
        + (mesh == null ? null : mesh.name())
        + ", dataplanes="
        + dataplanes.size()
        + ", zoneIngresses="
        + zoneIngresses.size()
        + ", trafficPermissions="
        + trafficPermissions.size()
        + ", trafficRoutes="
        + trafficRoutes.size()
        + ", policies="
        + policies.values().stream().mapToInt(List::size).sum()
        + "]";
  }
}

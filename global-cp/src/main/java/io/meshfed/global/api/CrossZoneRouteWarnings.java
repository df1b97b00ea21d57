package io.meshfed.global.api;

import io.meshfed.api.WriteWarnings;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.TrafficRouteSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Warns about a TrafficRoute that sends traffic to another zone ({@code kuma.io/zone} in a
 * destination or split) while its mesh has mTLS off, and about a Mesh written with mTLS off while
 * such routes exist. Both are accepted, as in Kuma, but cannot work: a zone ingress routes
 * cross-zone traffic by the SNI of the mesh's mTLS connection, so without mTLS those requests fail.
 */
public final class CrossZoneRouteWarnings implements WriteWarnings {
  private static final String WHY =
      "cross-zone traffic needs mTLS (a zone ingress routes it by the SNI of the mesh's mTLS"
          + " connection), so requests routed to another zone fail until mtls.enabledBackend is"
          + " set";

  @Override
  public List<String> of(Resource resource, Reader store) throws Exception {
    if (resource.type().equals(StandardTypes.TRAFFIC_ROUTE)) {
      return forRoute(resource, store);
    }
    if (resource.type().equals(StandardTypes.MESH)) {
      return forMesh(resource, store);
    }
    return List.of();
  }

  private static List<String> forRoute(Resource route, Reader store) throws Exception {
    TreeSet<String> zones = zonesNamed(route);
    if (zones.isEmpty()) {
      return List.of();
    }
    Optional<Resource> mesh = store.get(ResourceKey.global(StandardTypes.MESH, route.mesh()));
    if (mesh.isEmpty() || mesh.get().spec(MeshSpec.class).mtlsEnabled()) {
      return List.of(); // a missing mesh is refused by the store itself
    }
    return List.of(
        "TrafficRoute '"
            + route.mesh()
            + "/"
            + route.name()
            + "' routes to "
            + Tags.ZONE
            + " "
            + zones
            + " but mesh '"
            + route.mesh()
            + "' has mTLS off: "
            + WHY);
  }

  private static List<String> forMesh(Resource mesh, Reader store) throws Exception {
    if (mesh.spec(MeshSpec.class).mtlsEnabled()) {
      return List.of();
    }
    TreeSet<String> routes = new TreeSet<>();
    for (Resource r : store.list(StandardTypes.TRAFFIC_ROUTE, mesh.name())) {
      if (!zonesNamed(r).isEmpty()) {
        routes.add(r.name());
      }
    }
    if (routes.isEmpty()) {
      return List.of();
    }
    return List.of(
        "Mesh '"
            + mesh.name()
            + "' has mTLS off but its TrafficRoutes "
            + routes
            + " route to another zone by "
            + Tags.ZONE
            + ": "
            + WHY);
  }

  /** The zones a route's destinations name, in conf.destination, conf.split and conf.http. */
  static TreeSet<String> zonesNamed(Resource route) {
    TreeSet<String> zones = new TreeSet<>();
    TrafficRouteSpec.Conf conf = route.spec(TrafficRouteSpec.class).conf();
    if (conf == null) {
      return zones;
    }
    List<Map<String, String>> destinations = new ArrayList<>();
    destinations.add(conf.destination());
    conf.split().forEach(s -> destinations.add(s.destination()));
    for (TrafficRouteSpec.Http http : conf.http()) {
      destinations.add(http.destination());
      http.split().forEach(s -> destinations.add(s.destination()));
    }
    for (Map<String, String> d : destinations) {
      if (d != null && d.containsKey(Tags.ZONE)) {
        zones.add(d.get(Tags.ZONE));
      }
    }
    return zones;
  }
}

package io.meshfed.zone.xds;

import io.meshfed.kds.KdsSource;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.sidecar.SidecarGenerator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Reads what the xDS builds need from the zone's store view: the {@link #WATCHED} types grouped by
 * mesh into one {@link MeshState} per mesh, and the zone ingresses by name. Stateless; each {@link
 * #read()} is one pass over the view.
 */
final class ZoneViewReader {
  /** The policy types the sidecar generator reads besides permissions and routes. */
  static final List<String> CONNECTION_POLICIES = SidecarGenerator.CONNECTION_POLICY_TYPES;

  /** Every type a build reads; a change of any of them rebuilds the connected proxies. */
  static final List<String> WATCHED =
      Stream.concat(
              Stream.of(
                  StandardTypes.MESH,
                  StandardTypes.DATAPLANE,
                  StandardTypes.ZONE_INGRESS,
                  StandardTypes.TRAFFIC_PERMISSION,
                  StandardTypes.TRAFFIC_ROUTE),
              CONNECTION_POLICIES.stream())
          .toList();

  private final String zone;
  private final KdsSource view;

  ZoneViewReader(String zone, KdsSource view) {
    this.zone = zone;
    this.view = view;
  }

  /** Whether every watched type is loaded (the first sync with global is done). */
  boolean ready() {
    return WATCHED.stream().allMatch(view::isReady);
  }

  /** One read of the view. */
  ZoneView read() {
    Map<String, Resource> ingressesByName = new HashMap<>();
    List<Resource> ingresses = view.resources(StandardTypes.ZONE_INGRESS);
    for (Resource ingress : ingresses) {
      ingressesByName.putIfAbsent(ingress.name(), ingress);
    }
    return new ZoneView(meshStates(ingresses), ingressesByName);
  }

  private Map<String, MeshState> meshStates(List<Resource> ingresses) {
    Map<String, List<Resource>> dataplanes = byMesh(StandardTypes.DATAPLANE);
    Map<String, List<Resource>> permissions = byMesh(StandardTypes.TRAFFIC_PERMISSION);
    Map<String, List<Resource>> routes = byMesh(StandardTypes.TRAFFIC_ROUTE);
    Map<String, Map<String, List<Resource>>> policiesByType = new HashMap<>();
    for (String type : CONNECTION_POLICIES) {
      policiesByType.put(type, byMesh(type));
    }
    Map<String, MeshState> states = new TreeMap<>();
    for (Resource mesh : view.resources(StandardTypes.MESH)) {
      String name = mesh.name();
      Map<String, List<Resource>> policies = new HashMap<>();
      policiesByType.forEach(
          (type, byMesh) -> policies.put(type, byMesh.getOrDefault(name, List.of())));
      states.put(
          name,
          new MeshState(
              zone,
              mesh,
              dataplanes.getOrDefault(name, List.of()),
              ingresses,
              permissions.getOrDefault(name, List.of()),
              routes.getOrDefault(name, List.of()),
              policies));
    }
    return states;
  }

  private Map<String, List<Resource>> byMesh(String type) {
    Map<String, List<Resource>> out = new HashMap<>();
    for (Resource r : view.resources(type)) {
      out.computeIfAbsent(r.mesh(), m -> new ArrayList<>()).add(r);
    }
    return out;
  }
}

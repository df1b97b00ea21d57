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
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Reads what the xDS builds need from the zone's store view: the {@link #WATCHED} types grouped by
 * mesh into one {@link MeshState} per mesh, and the zone ingresses by name.
 *
 * <p>Incremental: it keeps each type's resources, grouped by mesh, from the last read, and a read
 * lists again only the types {@link #changed} named since (every type at first). A read with no
 * type changed returns the last view itself; in a new view, a type not listed again keeps its lists
 * (the same instances, which {@link RebuildIndex} skips without comparing them) and a mesh none of
 * whose inputs changed keeps its {@link MeshState}, with the lookups already built for it.
 *
 * <p>Confinement: {@link #changed} and {@link #stale} may be called from any thread (a concurrent
 * set); {@link #read} and the state it keeps belong to one thread at a time (the build executor).
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
  // the watched types changed since the last read: listed again by the next one
  private final Set<String> stale = ConcurrentHashMap.newKeySet();
  // Touched only by read():
  private List<Resource> meshes = List.of();
  private List<Resource> ingresses = List.of();
  private Map<String, Resource> ingressesByName = Map.of();
  // every other watched type: its resources by mesh, immutable lists
  private final Map<String, Map<String, List<Resource>>> byMesh = new HashMap<>();
  private ZoneView last;

  ZoneViewReader(String zone, KdsSource view) {
    this.zone = zone;
    this.view = view;
    stale.addAll(WATCHED);
  }

  /** Whether every watched type is loaded (the first sync with global is done). */
  boolean ready() {
    return WATCHED.stream().allMatch(view::isReady);
  }

  /**
   * The view's set of {@code type}, or its readiness, may have changed: the next read lists it
   * again. Any thread; a type that is not watched is ignored.
   */
  void changed(String type) {
    if (WATCHED.contains(type)) {
      stale.add(type);
    }
  }

  /** Whether the next read lists one of {@code types} again. Any thread. */
  boolean stale(String... types) {
    return Stream.of(types).anyMatch(stale::contains);
  }

  /** The view now: the last one read, with the types changed since listed again. */
  ZoneView read() {
    if (last != null && stale.isEmpty()) {
      return last;
    }
    for (String type : WATCHED) {
      if (stale.remove(type)) {
        list(type);
      }
    }
    Map<String, MeshState> states = new TreeMap<>();
    for (Resource mesh : meshes) {
      MeshState before = last == null ? null : last.meshes().get(mesh.name());
      states.put(mesh.name(), meshState(mesh, before));
    }
    last = new ZoneView(states, ingressesByName);
    return last;
  }

  /** Lists {@code type} again (removed from {@link #stale} first, so no change is missed). */
  private void list(String type) {
    List<Resource> listed = view.resources(type);
    if (type.equals(StandardTypes.MESH)) {
      meshes = listed;
    } else if (type.equals(StandardTypes.ZONE_INGRESS)) {
      Map<String, Resource> byName = new HashMap<>();
      for (Resource ingress : listed) {
        byName.putIfAbsent(ingress.name(), ingress);
      }
      ingresses = List.copyOf(listed); // the same instance: kept by every MeshState
      ingressesByName = Map.copyOf(byName);
    } else {
      Map<String, List<Resource>> grouped = new HashMap<>();
      for (Resource r : listed) {
        grouped.computeIfAbsent(r.mesh(), m -> new ArrayList<>()).add(r);
      }
      grouped.replaceAll((mesh, list) -> List.copyOf(list));
      byMesh.put(type, grouped);
    }
  }

  /** {@code mesh}'s state from the lists held; {@code before} itself when none of them changed. */
  private MeshState meshState(Resource mesh, MeshState before) {
    String name = mesh.name();
    Map<String, List<Resource>> policies = new HashMap<>();
    for (String type : CONNECTION_POLICIES) {
      policies.put(type, of(type, name));
    }
    List<Resource> dataplanes = of(StandardTypes.DATAPLANE, name);
    List<Resource> permissions = of(StandardTypes.TRAFFIC_PERMISSION, name);
    List<Resource> routes = of(StandardTypes.TRAFFIC_ROUTE, name);
    if (before != null
        && before.mesh() == mesh
        && same(before.dataplanes(), dataplanes)
        && same(before.zoneIngresses(), ingresses)
        && same(before.trafficPermissions(), permissions)
        && same(before.trafficRoutes(), routes)
        && CONNECTION_POLICIES.stream().allMatch(t -> same(before.policies(t), policies.get(t)))) {
      return before;
    }
    return new MeshState(zone, mesh, dataplanes, ingresses, permissions, routes, policies);
  }

  private List<Resource> of(String type, String mesh) {
    return byMesh.getOrDefault(type, Map.of()).getOrDefault(mesh, List.of());
  }

  private static boolean same(List<Resource> held, List<Resource> now) {
    return held == now || (held.isEmpty() && now.isEmpty());
  }
}

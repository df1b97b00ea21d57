package io.meshfed.zone.xds;

import io.meshfed.model.Resource;
import io.meshfed.xds.MeshState;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One read of the zone's store view: every mesh's state (with its lookups built once, shared by
 * every proxy of the mesh) and the zone ingresses by name. Immutable.
 */
record ZoneView(Map<String, MeshState> meshes, Map<String, Resource> ingresses) {
  ZoneView {
    meshes = Collections.unmodifiableMap(new TreeMap<>(meshes)); // by name: builds iterate it
    ingresses = Map.copyOf(ingresses);
  }
}

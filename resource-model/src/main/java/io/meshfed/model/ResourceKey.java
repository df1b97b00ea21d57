package io.meshfed.model;

import java.util.Objects;

/**
 * Identity of a resource: its type name, its mesh (null for global-scoped types) and its name. The
 * type and mesh are interned.
 */
public record ResourceKey(String type, String mesh, String name)
    implements Comparable<ResourceKey> {

  public ResourceKey {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(name, "name");
    // few distinct types and meshes, held by every stored resource: one instance of each
    type = type.intern();
    mesh = StringMaps.intern(mesh);
  }

  public static ResourceKey global(String type, String name) {
    return new ResourceKey(type, null, name);
  }

  public static ResourceKey inMesh(String type, String mesh, String name) {
    return new ResourceKey(type, Objects.requireNonNull(mesh, "mesh"), name);
  }

  public boolean isMeshScoped() {
    return mesh != null;
  }

  @Override
  public int compareTo(ResourceKey o) {
    int c = type.compareTo(o.type);
    if (c != 0) {
      return c;
    }
    c = (mesh == null ? "" : mesh).compareTo(o.mesh == null ? "" : o.mesh);
    return c != 0 ? c : name.compareTo(o.name);
  }

  @Override
  public String toString() {
    return mesh == null ? type + " '" + name + "'" : type + " '" + mesh + "/" + name + "'";
  }
}

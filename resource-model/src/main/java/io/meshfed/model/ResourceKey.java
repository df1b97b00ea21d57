package io.meshfed.model;

import java.util.Objects;

/**
 * Identity of a resource: its type name, its mesh (null for global-scoped types) and its name. The
 * type and mesh are interned. Immutable, so safe to share between threads.
 *
 * <p>A key made by {@link #prefixed} holds its name as two parts: a prefix that many keys share
 * (global's {@code <zone>.} before the name a zone reported) and the rest, interned, which is the
 * same instance as an equal label value (the {@code kds.meshfed.io/name} label of every copy global
 * renamed). The whole name is then no string of its own; {@link #name()} joins the parts on each
 * call. Keys compare, hash and equal by their whole name, however it is held.
 */
public final class ResourceKey implements Comparable<ResourceKey> {
  private final String type;
  private final String mesh;
  private final String prefix; // null unless made by prefixed()
  private final String rest;
  private int hash; // 0 until computed; racy but idempotent, as String's

  public ResourceKey(String type, String mesh, String name) {
    this(type, mesh, null, Objects.requireNonNull(name, "name"));
  }

  private ResourceKey(String type, String mesh, String prefix, String rest) {
    Objects.requireNonNull(type, "type");
    // few distinct types and meshes, held by every stored resource: one instance of each
    this.type = type.intern();
    this.mesh = StringMaps.intern(mesh);
    this.prefix = prefix;
    this.rest = rest;
  }

  public static ResourceKey global(String type, String name) {
    return new ResourceKey(type, null, name);
  }

  public static ResourceKey inMesh(String type, String mesh, String name) {
    return new ResourceKey(type, Objects.requireNonNull(mesh, "mesh"), name);
  }

  /**
   * The key named {@code prefix + name}, holding both parts interned (see the class comment): for
   * names made by putting one of a few prefixes before a name that a label of the same resource
   * also holds.
   */
  public static ResourceKey prefixed(String type, String mesh, String prefix, String name) {
    Objects.requireNonNull(name, "name");
    return prefix.isEmpty()
        ? new ResourceKey(type, mesh, name)
        : new ResourceKey(type, mesh, prefix.intern(), name.intern());
  }

  public String type() {
    return type;
  }

  public String mesh() {
    return mesh;
  }

  public String name() {
    return prefix == null ? rest : prefix.concat(rest);
  }

  /** The part of the name held after the shared prefix (the whole name when there is none). */
  String nameRest() {
    return rest;
  }

  public boolean isMeshScoped() {
    return mesh != null;
  }

  private int nameLength() {
    return prefix == null ? rest.length() : prefix.length() + rest.length();
  }

  private char nameAt(int i) {
    if (prefix == null) {
      return rest.charAt(i);
    }
    int p = prefix.length();
    return i < p ? prefix.charAt(i) : rest.charAt(i - p);
  }

  /** Compares the whole names, without joining the parts of either. */
  private int compareName(ResourceKey o) {
    if (prefix == o.prefix) {
      return rest.compareTo(o.rest); // the same prefix instance, or neither has one
    }
    int n = nameLength();
    int m = o.nameLength();
    for (int i = 0, end = Math.min(n, m); i < end; i++) {
      char a = nameAt(i);
      char b = o.nameAt(i);
      if (a != b) {
        return a - b;
      }
    }
    return n - m;
  }

  @Override
  public int compareTo(ResourceKey o) {
    int c = type.compareTo(o.type);
    if (c != 0) {
      return c;
    }
    c = (mesh == null ? "" : mesh).compareTo(o.mesh == null ? "" : o.mesh);
    return c != 0 ? c : compareName(o);
  }

  @Override
  public boolean equals(Object o) {
    return o == this
        || o instanceof ResourceKey k
            && type.equals(k.type)
            && Objects.equals(mesh, k.mesh)
            && nameLength() == k.nameLength()
            && compareName(k) == 0;
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      int nameHash = prefix == null ? rest.hashCode() : prefix.hashCode();
      if (prefix != null) {
        for (int i = 0; i < rest.length(); i++) {
          nameHash = 31 * nameHash + rest.charAt(i); // as the joined name's String.hashCode()
        }
      }
      h = (31 * type.hashCode() + Objects.hashCode(mesh)) * 31 + nameHash;
      hash = h;
    }
    return h;
  }

  @Override
  public String toString() {
    return mesh == null ? type + " '" + name() + "'" : type + " '" + mesh + "/" + name() + "'";
  }
}

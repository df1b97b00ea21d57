package io.meshfed.model;

/** Where a resource type lives: beside meshes (global-scoped) or inside one mesh. */
public enum Scope {
  GLOBAL,
  MESH
}

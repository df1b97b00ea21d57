package io.meshfed.api;

import io.meshfed.model.ResourceType;
import io.meshfed.model.TypeRegistry;
import java.util.List;

/**
 * Maps REST path segments to registered types: the type's plural ({@code zone-ingresses}) or, as
 * Kuma also serves, the plural without dashes ({@code zoneingresses}).
 */
final class TypePaths {
  private final TypeRegistry registry;

  TypePaths(TypeRegistry registry) {
    this.registry = registry;
  }

  ResourceType resolve(String segment) {
    return registry
        .byPlural(segment)
        .or(
            () ->
                registry.all().stream()
                    .filter(t -> t.plural().replace("-", "").equals(segment))
                    .findFirst())
        .orElseThrow(
            () ->
                ApiException.notFound(
                    "unknown resource type path '"
                        + segment
                        + "' (expected one of "
                        + plurals()
                        + ")"));
  }

  /** A global-scoped type for {@code /{plural}/{name}}. */
  ResourceType resolveGlobal(String segment) {
    ResourceType type = resolve(segment);
    if (type.isMeshScoped()) {
      throw ApiException.notFound(
          type.name()
              + " is mesh-scoped: use /meshes/{mesh}/"
              + type.plural()
              + "/{name} (or GET /"
              + type.plural()
              + " to list it across meshes)");
    }
    return type;
  }

  /** A mesh-scoped type for {@code /meshes/{mesh}/{plural}[/{name}]}. */
  ResourceType resolveInMesh(String segment) {
    ResourceType type = resolve(segment);
    if (!type.isMeshScoped()) {
      throw ApiException.notFound(
          type.name() + " is global-scoped: use /" + type.plural() + " without a mesh");
    }
    return type;
  }

  List<String> plurals() {
    return registry.all().stream().map(ResourceType::plural).sorted().toList();
  }
}

package io.meshfed.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The open set of resource types. Types are registered once at start; lookups are by name (YAML
 * {@code type}, KDS type URL) or by REST path segment.
 */
public final class TypeRegistry {
  private final Map<String, ResourceType> byName = new ConcurrentHashMap<>();
  private final Map<String, ResourceType> byPlural = new ConcurrentHashMap<>();
  private final List<ResourceType> ordered = Collections.synchronizedList(new ArrayList<>());

  /** Adds a type; fails if its name or plural is taken. */
  public TypeRegistry register(ResourceType type) {
    if (byName.putIfAbsent(type.name(), type) != null) {
      throw new IllegalArgumentException("type " + type.name() + " is already registered");
    }
    if (byPlural.putIfAbsent(type.plural(), type) != null) {
      byName.remove(type.name());
      throw new IllegalArgumentException(
          "REST path '" + type.plural() + "' is already used by " + byPlural.get(type.plural()));
    }
    ordered.add(type);
    return this;
  }

  public Optional<ResourceType> byName(String name) {
    return Optional.ofNullable(name == null ? null : byName.get(name));
  }

  public Optional<ResourceType> byPlural(String plural) {
    return Optional.ofNullable(plural == null ? null : byPlural.get(plural));
  }

  /** The type called {@code name}; throws if it is not registered. */
  public ResourceType require(String name) {
    ResourceType t = byName.get(name);
    if (t == null) {
      throw new IllegalArgumentException("unknown resource type '" + name + "'");
    }
    return t;
  }

  /** Every registered type, in registration order. */
  public List<ResourceType> all() {
    synchronized (ordered) {
      return List.copyOf(ordered);
    }
  }

  public List<ResourceType> meshScoped() {
    return all().stream().filter(ResourceType::isMeshScoped).toList();
  }

  /** Type names, sorted, for error messages. */
  public List<String> names() {
    return all().stream().map(ResourceType::name).sorted().toList();
  }
}

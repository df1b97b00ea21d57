package io.meshfed.cli;

import io.meshfed.model.ResourceType;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.codec.NearestName;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Resolves what a person types for a resource type: {@code traffic-routes}, {@code traffic-route},
 * {@code trafficroutes}, {@code TrafficRoute}, {@code meshes}, {@code mesh}.
 */
final class TypeNames {
  private TypeNames() {}

  static ResourceType resolve(TypeRegistry registry, String input) {
    String wanted = squash(input);
    for (ResourceType t : registry.all()) {
      if (squash(t.plural()).equals(wanted)
          || squash(t.name()).equals(wanted)
          || (squash(t.name()) + "s").equals(wanted)
          || squash(singular(t.plural())).equals(wanted)) {
        return t;
      }
    }
    List<String> plurals = registry.all().stream().map(ResourceType::plural).sorted().toList();
    List<String> known = new ArrayList<>(plurals);
    registry.all().forEach(t -> known.add(t.name()));
    throw new CliException(
        "unknown resource type '"
            + input
            + "'"
            + NearestName.to(input, known).map(n -> ": did you mean " + n + "?").orElse("")
            + " (expected one of "
            + plurals
            + ")");
  }

  private static String singular(String plural) {
    if (plural.endsWith("ies")) {
      return plural.substring(0, plural.length() - 3) + "y";
    }
    if (plural.endsWith("sses") || plural.endsWith("shes")) {
      return plural.substring(0, plural.length() - 2);
    }
    return plural.endsWith("s") ? plural.substring(0, plural.length() - 1) : plural;
  }

  private static String squash(String s) {
    return s.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
  }

  /** The REST path of a collection, or of one resource when {@code name} is not null. */
  static String path(ResourceType type, String mesh, String name) {
    String base =
        type.isMeshScoped() && mesh != null
            ? "/meshes/" + mesh + "/" + type.plural()
            : "/" + type.plural();
    return name == null ? base : base + "/" + name;
  }
}

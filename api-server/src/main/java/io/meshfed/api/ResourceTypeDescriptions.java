package io.meshfed.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.model.ControlPlaneMode;
import io.meshfed.model.ResourceType;
import io.meshfed.model.SyncDirection;
import io.meshfed.model.TypeRegistry;
import java.util.Comparator;

/**
 * {@code GET /_resources}: Kuma's list of the resource types this API serves, which {@code kumactl
 * export} reads to decide what to dump: {@code {"resources": [{name, path, scope: Global|Mesh,
 * readOnly, includeInFederation, singularDisplayName, pluralDisplayName, policy?}]}}, sorted by
 * name. {@code readOnly} is true where this control plane refuses writes of the type (zone-owned
 * types on global, global-owned ones on a zone, insights everywhere); {@code includeInFederation}
 * is true for the types global writes and sends to every zone.
 */
final class ResourceTypeDescriptions {
  private final ControlPlaneMode mode;
  private final TypeRegistry registry;

  ResourceTypeDescriptions(ControlPlaneMode mode, TypeRegistry registry) {
    this.mode = mode;
    this.registry = registry;
  }

  ApiResponse list(ApiRequest request) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    ArrayNode resources = body.putArray("resources");
    registry.all().stream()
        .sorted(Comparator.comparing(ResourceType::name))
        .forEach(type -> resources.add(describe(type)));
    return ApiResponse.json(200, body);
  }

  private ObjectNode describe(ResourceType type) {
    ObjectNode d = JsonNodeFactory.instance.objectNode();
    d.put("name", type.name());
    d.put("path", type.plural());
    d.put("scope", type.isMeshScoped() ? "Mesh" : "Global");
    d.put("readOnly", type.readOnlyReason(mode).isPresent());
    d.put(
        "includeInFederation",
        type.sync() == SyncDirection.GLOBAL_TO_ZONES && !type.systemManaged());
    String singular = words(type.name());
    d.put("singularDisplayName", singular);
    d.put("pluralDisplayName", plural(singular));
    if (PolicyTypes.isPolicy(type)) {
      // legacy (source/destination) policies: no targetRef
      d.putObject("policy")
          .put("hasToTargetRef", false)
          .put("hasFromTargetRef", false)
          .put("isTargetRef", false);
    }
    return d;
  }

  /** {@code TrafficPermission} as {@code Traffic Permission}. */
  static String words(String camel) {
    return camel.replaceAll("(?<=[a-z0-9])(?=[A-Z])", " ");
  }

  /** {@code Retry} as {@code Retries}, {@code Mesh} as {@code Meshes}, else with an {@code s}. */
  static String plural(String singular) {
    if (singular.endsWith("y")) {
      return singular.substring(0, singular.length() - 1) + "ies";
    }
    if (singular.endsWith("sh") || singular.endsWith("s")) {
      return singular + "es";
    }
    return singular + "s";
  }
}

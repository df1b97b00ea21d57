package io.meshfed.model.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.model.ResourceType;
import io.meshfed.model.SpecLayout;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Where a decoded document's spec fields are: beside the meta fields (inline types, Kuma's
 * universal shape) or under {@code spec:} (nested types, and inline ones written with {@code
 * spec:}).
 */
final class SpecNodes {
  /** The fields every resource document has beside its spec. */
  static final Set<String> META_FIELDS =
      Set.of("type", "name", "mesh", "labels", "creationTime", "modificationTime");

  static Set<String> metaAndSpec() {
    Set<String> out = new HashSet<>(META_FIELDS);
    out.add("spec");
    return out;
  }

  /** The object holding the spec fields, or null when it is not a mapping. */
  static ObjectNode specNode(ResourceType type, ObjectNode node) {
    if (type.layout() == SpecLayout.NESTED) {
      JsonNode s = node.get("spec");
      if (s == null || s.isNull()) {
        return JsonNodeFactory.instance.objectNode();
      }
      return s.isObject() ? (ObjectNode) s : null;
    }
    JsonNode s = node.get("spec");
    if (s != null && s.isObject() && !hasComponent(type.specClass(), "spec")) {
      // Accept `spec: {...}` for inline types too (e.g. `type: Zone` / `spec: {enabled: false}`).
      boolean onlyMeta = true;
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!META_FIELDS.contains(f) && !f.equals("spec")) {
          onlyMeta = false;
        }
      }
      if (onlyMeta) {
        return (ObjectNode) s;
      }
    }
    // a shallow copy: the spec is only read from it, so its values need not be copied
    ObjectNode spec = JsonNodeFactory.instance.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (!META_FIELDS.contains(field.getKey())) {
        spec.set(field.getKey(), field.getValue());
      }
    }
    return spec;
  }

  static boolean hasComponent(Class<?> cls, String name) {
    if (!cls.isRecord()) {
      return false;
    }
    for (var c : cls.getRecordComponents()) {
      if (c.getName().equals(name)) {
        return true;
      }
    }
    return false;
  }

  private SpecNodes() {}
}

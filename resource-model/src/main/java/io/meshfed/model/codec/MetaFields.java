package io.meshfed.model.codec;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.model.validation.Violations;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the metadata fields of a universal document ({@code name}, {@code labels}, times), as
 * written.
 */
final class MetaFields {
  private MetaFields() {}

  /** A field present with a null value ({@code name: ~}) counts as absent. */
  static boolean isAbsent(JsonNode node, String field) {
    JsonNode n = node.get(field);
    return n == null || n.isNull();
  }

  static String text(JsonNode node, String field, WrittenTexts written, Violations v) {
    JsonNode n = node.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    String s = scalarText(n, "/" + escape(field), written);
    if (s == null) {
      v.add(field, "must be a string" + quoteHint(n));
    }
    return s;
  }

  /** The text of a string, or the written text of a number or boolean; null otherwise. */
  static String scalarText(JsonNode n, String pointer, WrittenTexts written) {
    if (n.isTextual()) {
      return n.asText();
    }
    if (n.isNumber() || n.isBoolean()) {
      return written.at(pointer);
    }
    return null;
  }

  static String quoteHint(JsonNode n) {
    return n.isNumber() || n.isBoolean()
        ? " (quote it, e.g. \"" + n.asText() + "\", to keep it as written)"
        : " (found " + n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + ")";
  }

  static String escape(String pointerSegment) {
    return pointerSegment.replace("~", "~0").replace("/", "~1");
  }

  static Instant instant(JsonNode node, String field, WrittenTexts written, Violations v) {
    String s = text(node, field, written, v);
    if (s == null) {
      return null;
    }
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      v.add(field, "'" + s + "' is not an RFC 3339 time (expected e.g. 2024-01-02T03:04:05Z)");
      return null;
    }
  }

  static Map<String, String> labels(JsonNode node, WrittenTexts written, Violations v) {
    Map<String, String> out = new TreeMap<>();
    if (node == null || node.isNull()) {
      return out;
    }
    if (!node.isObject()) {
      v.add("labels", "must be a mapping of strings");
      return out;
    }
    node.fields()
        .forEachRemaining(
            e -> {
              String text = scalarText(e.getValue(), "/labels/" + escape(e.getKey()), written);
              if (text != null) {
                out.put(e.getKey(), text);
              } else {
                v.field("labels").add(e.getKey(), "must be a string" + quoteHint(e.getValue()));
              }
            });
    return out;
  }
}

package io.meshfed.model.codec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Recognizes a document that is a list of resources rather than one: the API's (and Kuma's) list
 * body {@code {total, items: [...], next}}, as {@code meshfed get TYPE -o json|yaml} prints it, or
 * a plain sequence of resources. A mapping with a {@code type} is always a resource.
 */
final class ListShape {
  private static final Set<String> LIST_FIELDS = Set.of("items", "total", "next");

  /** One element: its JSON pointer in the document and its tree. */
  record Item(String pointer, JsonNode node) {}

  private ListShape() {}

  /** The document's elements if it is a list, else null. */
  static List<Item> items(JsonNode document) {
    if (document.isArray()) {
      return elements(document, "");
    }
    if (!document.isObject() || document.has("type") || !document.path("items").isArray()) {
      return null;
    }
    for (Iterator<String> it = document.fieldNames(); it.hasNext(); ) {
      if (!LIST_FIELDS.contains(it.next())) {
        return null;
      }
    }
    return elements(document.get("items"), "/items");
  }

  private static List<Item> elements(JsonNode array, String pointer) {
    List<Item> out = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      out.add(new Item(pointer + "/" + i, array.get(i)));
    }
    return out;
  }
}

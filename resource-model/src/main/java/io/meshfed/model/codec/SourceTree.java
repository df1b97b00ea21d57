package io.meshfed.model.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads one JSON or YAML document into a tree, remembering how every number and boolean was
 * written, so that a string-typed field (a tag, a label) keeps {@code 1.10} as {@code "1.10"}
 * instead of the {@code 1.1} a number would print as.
 *
 * <p>It also refuses what the tree cannot represent faithfully: YAML aliases (Jackson would turn
 * {@code *name} into the string {@code "name"}; refusing them also rules out "billion laughs"
 * expansion) and nesting deeper than {@link #MAX_DEPTH}.
 */
final class SourceTree {
  /** Deeper than any resource needs; deep enough to stop nothing legitimate. */
  static final int MAX_DEPTH = 64;

  /** The tree and the written text of each number or boolean, keyed by JSON Pointer. */
  record Document(JsonNode tree, Map<String, String> written) {
    Document {
      written = Map.copyOf(written);
    }
  }

  /** The document cannot be represented: the path where, and why. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    private final String path;

    Refused(String path, String message) {
      super(message);
      this.path = path;
    }

    String path() {
      return path;
    }
  }

  private SourceTree() {}

  /** Reads the next document of {@code p}; null when there is none. */
  static Document read(JsonParser p) throws IOException, Refused {
    JsonToken first = p.nextToken();
    if (first == null) {
      return null;
    }
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    Map<String, String> written = new HashMap<>();
    Deque<ContainerNode<?>> open = new ArrayDeque<>();
    Deque<String> pendingNames = new ArrayDeque<>();
    JsonNode root = null;
    JsonToken t = first;
    while (true) {
      checkAlias(p);
      JsonNode value = null;
      switch (t) {
        case START_OBJECT, START_ARRAY -> {
          if (open.size() >= MAX_DEPTH) {
            throw new Refused(
                FieldErrors.pathOf(p.getParsingContext().getParent()),
                "nested deeper than " + MAX_DEPTH + " levels");
          }
          ContainerNode<?> c = t == JsonToken.START_OBJECT ? nodes.objectNode() : nodes.arrayNode();
          attach(open, pendingNames, c);
          open.push(c);
        }
        case END_OBJECT, END_ARRAY -> {
          ContainerNode<?> done = open.pop();
          if (open.isEmpty()) {
            root = done;
          }
        }
        case FIELD_NAME -> pendingNames.push(p.currentName());
        case VALUE_STRING -> value = nodes.textNode(p.getText());
        case VALUE_NULL -> value = nodes.nullNode();
        case VALUE_TRUE, VALUE_FALSE -> {
          value = nodes.booleanNode(t == JsonToken.VALUE_TRUE);
          written.put(pointer(p), p.getText());
        }
        case VALUE_NUMBER_INT -> {
          value =
              switch (p.getNumberType()) {
                case INT -> nodes.numberNode(p.getIntValue());
                case LONG -> nodes.numberNode(p.getLongValue());
                default -> nodes.numberNode(p.getBigIntegerValue());
              };
          written.put(pointer(p), p.getText());
        }
        case VALUE_NUMBER_FLOAT -> {
          value = nodes.numberNode(floatValue(p));
          written.put(pointer(p), p.getText());
        }
        default ->
            throw new Refused(
                FieldErrors.pathOf(p.getParsingContext()), "unsupported value (" + t + ")");
      }
      if (value != null) {
        if (open.isEmpty()) {
          return new Document(value, written);
        }
        attach(open, pendingNames, value);
      }
      if (root != null) {
        return new Document(root, written);
      }
      t = p.nextToken();
      if (t == null) {
        throw new Refused("", "the document ends before it is complete");
      }
    }
  }

  /** A float, including YAML's {@code .nan}, {@code .inf} and {@code -.inf}. */
  private static double floatValue(JsonParser p) throws IOException, Refused {
    String text = p.getText();
    switch (text.toLowerCase(java.util.Locale.ROOT)) {
      case ".nan":
        return Double.NaN;
      case ".inf", "+.inf":
        return Double.POSITIVE_INFINITY;
      case "-.inf":
        return Double.NEGATIVE_INFINITY;
      default:
        try {
          return p.getDoubleValue();
        } catch (com.fasterxml.jackson.core.JacksonException e) {
          throw new Refused(
              FieldErrors.pathOf(p.getParsingContext()), "'" + text + "' is not a number");
        }
    }
  }

  private static void attach(Deque<ContainerNode<?>> open, Deque<String> names, JsonNode child) {
    ContainerNode<?> parent = open.peek();
    if (parent instanceof ObjectNode o) {
      o.set(names.pop(), child);
    } else if (parent instanceof ArrayNode a) {
      a.add(child);
    }
  }

  private static void checkAlias(JsonParser p) throws Refused {
    if (p instanceof YAMLParser y && y.isCurrentAlias()) {
      throw new Refused(
          FieldErrors.pathOf(p.getParsingContext()),
          "YAML aliases (*"
              + safeText(p)
              + ") are not supported: write the value out where it is used");
    }
  }

  private static String safeText(JsonParser p) {
    try {
      String s = p.getText();
      return s == null || s.length() > 64 ? "..." : s;
    } catch (IOException e) {
      return "...";
    }
  }

  private static String pointer(JsonParser p) {
    JsonStreamContext ctx = p.getParsingContext();
    return ctx.pathAsPointer().toString();
  }
}

package io.meshfed.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;

/**
 * Writes a JSON tree as compact UTF-8 JSON with jackson-core's generator alone: the same bytes as a
 * default {@code ObjectMapper} writes for that tree, without building one. Building a mapper loads
 * its date format and with it the JDK's locale data (~0.3 s of a start), which the answers given
 * before the control plane has started (the index, {@code /ready}, errors) never use.
 */
final class TreeWriter {
  private static final JsonFactory FACTORY = new JsonFactory();

  private TreeWriter() {}

  static byte[] write(JsonNode tree) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      write(tree, g);
    }
    return out.toByteArray();
  }

  private static void write(JsonNode node, JsonGenerator g) throws IOException {
    switch (node.getNodeType()) {
      case OBJECT -> {
        g.writeStartObject();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
          g.writeFieldName(field.getKey());
          write(field.getValue(), g);
        }
        g.writeEndObject();
      }
      case ARRAY -> {
        g.writeStartArray();
        for (JsonNode item : node) {
          write(item, g);
        }
        g.writeEndArray();
      }
      case STRING -> g.writeString(node.textValue());
      case NUMBER -> writeNumber(node, g);
      case BOOLEAN -> g.writeBoolean(node.booleanValue());
      case NULL -> g.writeNull();
      case BINARY -> g.writeBinary(node.binaryValue());
      default ->
          throw new IllegalArgumentException(
              "cannot write a " + node.getNodeType() + " node without an ObjectMapper");
    }
  }

  private static void writeNumber(JsonNode node, JsonGenerator g) throws IOException {
    switch (node.numberType()) {
      case INT -> g.writeNumber(node.intValue());
      case LONG -> g.writeNumber(node.longValue());
      case BIG_INTEGER -> g.writeNumber(node.bigIntegerValue());
      case FLOAT -> g.writeNumber(node.floatValue());
      case DOUBLE -> g.writeNumber(node.doubleValue());
      case BIG_DECIMAL -> g.writeNumber(node.decimalValue());
    }
  }
}

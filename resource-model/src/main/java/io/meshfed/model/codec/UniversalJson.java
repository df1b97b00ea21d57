package io.meshfed.model.codec;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceType;
import io.meshfed.model.SpecLayout;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes a resource in universal JSON straight to bytes: the same bytes as {@link
 * ResourceCodec#toTree} written by the codec's mapper, without building the tree. The meta fields
 * are written by a generator, the spec by the mapper on its own, and an inline spec's fields are
 * spliced into the resource's object. An inline spec class that could name a field like a meta
 * field (not a plain record, or a component called or renamed so) is written through the tree
 * instead, where such a field replaces the meta field in place.
 */
final class UniversalJson {
  private final ObjectWriter writer;
  // per spec class: whether its fields can be spliced after the meta fields
  private final Map<Class<?>, Boolean> spliceable = new ConcurrentHashMap<>();

  UniversalJson(ObjectMapper json) {
    this.writer = json.writer();
  }

  /** The bytes of {@code r}, or null when its spec class must be written through the tree. */
  byte[] encode(ResourceType type, Resource r) throws IOException {
    Object spec = r.spec();
    boolean nested = type.layout() == SpecLayout.NESTED;
    if (!nested
        && spec != null
        && !spliceable.computeIfAbsent(spec.getClass(), UniversalJson::canSplice)) {
      return null;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = writer.createGenerator(out)) {
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_JSON_CONTENT);
      g.writeStartObject();
      g.writeStringField("type", r.type());
      if (r.mesh() != null) {
        g.writeStringField("mesh", r.mesh());
      }
      g.writeStringField("name", r.name());
      if (r.meta().creationTime() != null) {
        g.writeStringField("creationTime", InstantText.of(r.meta().creationTime()));
      }
      if (r.meta().modificationTime() != null) {
        g.writeStringField("modificationTime", InstantText.of(r.meta().modificationTime()));
      }
      if (!r.labels().isEmpty()) {
        g.writeObjectFieldStart("labels");
        for (Map.Entry<String, String> label : r.labels().entrySet()) {
          g.writeStringField(label.getKey(), label.getValue());
        }
        g.writeEndObject();
      }
      if (nested) {
        g.writeFieldName("spec");
        if (spec == null) {
          g.writeStartObject();
          g.writeEndObject();
        } else {
          writer.writeValue(g, spec);
        }
        g.writeEndObject();
        return finish(g, out);
      }
    }
    // inline: the spec's own object without its opening brace continues the resource's object
    byte[] fields = spec == null ? null : writer.writeValueAsBytes(spec);
    if (fields == null || fields.length <= 2 || fields[0] != '{') {
      out.write('}');
    } else {
      out.write(',');
      out.write(fields, 1, fields.length - 1);
    }
    return out.toByteArray();
  }

  private static byte[] finish(JsonGenerator g, ByteArrayOutputStream out) throws IOException {
    g.flush();
    return out.toByteArray();
  }

  private static boolean canSplice(Class<?> specClass) {
    if (!specClass.isRecord() || specClass.isAnnotationPresent(JsonSerialize.class)) {
      return false;
    }
    for (RecordComponent c : specClass.getRecordComponents()) {
      JsonProperty renamed = c.getAnnotation(JsonProperty.class);
      String name = renamed == null || renamed.value().isEmpty() ? c.getName() : renamed.value();
      if (SpecNodes.META_FIELDS.contains(name)
          || c.isAnnotationPresent(JsonUnwrapped.class)
          || c.getAccessor().isAnnotationPresent(JsonAnyGetter.class)) {
        return false;
      }
    }
    return true;
  }
}

package io.meshfed.model.codec;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.util.NameTransformer;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceType;
import io.meshfed.model.SpecLayout;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes a resource in universal JSON straight to bytes: the same bytes as {@link
 * ResourceCodec#toTree} written by the codec's mapper, without building the tree: one generator
 * writes the meta fields, then the spec (an inline spec's fields by its serializer's unwrapping
 * form, within the resource's object). An inline spec class that could name a field like a meta
 * field (not a plain record, or a component called or renamed so) is written through the tree
 * instead, where such a field replaces the meta field in place.
 */
final class UniversalJson {
  private final ObjectMapper json;
  private final ObjectWriter writer;
  // per inline spec class: the serializer of its fields without its braces, or empty when the class
  // must be written through the tree
  private final Map<Class<?>, Optional<JsonSerializer<Object>>> fieldWriters =
      new ConcurrentHashMap<>();

  UniversalJson(ObjectMapper json) {
    this.json = json;
    this.writer = json.writer();
  }

  /** The bytes of {@code r}, or null when its spec class must be written through the tree. */
  byte[] encode(ResourceType type, Resource r) throws IOException {
    Object spec = r.spec();
    boolean nested = type.layout() == SpecLayout.NESTED;
    JsonSerializer<Object> fields = null;
    if (!nested && spec != null) {
      Optional<JsonSerializer<Object>> found =
          fieldWriters.computeIfAbsent(spec.getClass(), this::fieldWriter);
      if (found.isEmpty()) {
        return null;
      }
      fields = found.get();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = writer.createGenerator(out)) {
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
      } else if (fields != null) {
        // inline: the spec's fields continue the resource's object
        fields.serialize(spec, g, json.getSerializerProviderInstance());
      }
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  /** The serializer of {@code specClass}'s fields alone, when they can follow the meta fields. */
  private Optional<JsonSerializer<Object>> fieldWriter(Class<?> specClass) {
    if (!canSplice(specClass)) {
      return Optional.empty();
    }
    try {
      JsonSerializer<Object> whole =
          json.getSerializerProviderInstance().findTypedValueSerializer(specClass, true, null);
      JsonSerializer<Object> unwrapped = whole.unwrappingSerializer(NameTransformer.NOP);
      return unwrapped != whole && unwrapped.isUnwrappingSerializer()
          ? Optional.of(unwrapped)
          : Optional.empty();
    } catch (JsonMappingException e) {
      return Optional.empty();
    }
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

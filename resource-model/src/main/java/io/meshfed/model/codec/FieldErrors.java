package io.meshfed.model.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.meshfed.model.validation.Violation;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Field paths and readable messages for what Jackson reports while decoding a spec. */
final class FieldErrors {
  private FieldErrors() {}

  /** Collects every unknown field of a spec (Jackson would stop at the first) and skips it. */
  static final class UnknownFields extends DeserializationProblemHandler {
    final List<Violation> found = new ArrayList<>();
    private final String prefix;

    UnknownFields(String prefix) {
      this.prefix = prefix;
    }

    @Override
    public boolean handleUnknownProperty(
        DeserializationContext ctxt,
        JsonParser p,
        JsonDeserializer<?> deserializer,
        Object beanOrClass,
        String propertyName)
        throws IOException {
      List<String> known = new ArrayList<>();
      if (deserializer.getKnownPropertyNames() != null) {
        deserializer.getKnownPropertyNames().forEach(o -> known.add(String.valueOf(o)));
      }
      known.sort(null);
      found.add(
          new Violation(
              join(prefix, unknownFieldPath(ctxt.getParser(), propertyName)),
              "unknown field '"
                  + propertyName
                  + "'"
                  + (known.isEmpty() ? "" : " (expected one of " + known + ")")));
      p.skipChildren();
      return true;
    }
  }

  /**
   * The path of an unknown field of the object the main parser is reading. Records are built by a
   * creator, so Jackson replays their unknown fields from a buffer after the object was read: the
   * main parser then stands on the object's end (its context is already the parent) or, when the
   * record was complete early, somewhere inside the object.
   */
  static String unknownFieldPath(JsonParser main, String propertyName) {
    JsonStreamContext ctx = main.getParsingContext();
    JsonToken t = main.currentToken();
    StringBuilder sb;
    if (t == JsonToken.END_OBJECT) {
      sb = new StringBuilder(contextPath(ctx));
    } else {
      if ((t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) && ctx != null) {
        ctx = ctx.getParent();
      }
      sb = new StringBuilder(contextPath(ctx == null ? null : ctx.getParent()));
    }
    appendSegment(sb, segment(propertyName));
    return sb.toString();
  }

  /** The path of the value the parser stands on, e.g. {@code conf.http[0].match}. */
  private static String parserPath(JsonParser p) {
    JsonStreamContext ctx = p.getParsingContext();
    JsonToken t = p.currentToken();
    if ((t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) && ctx != null) {
      ctx = ctx.getParent();
    }
    return contextPath(ctx);
  }

  /** The path from the root down to {@code ctx}, e.g. {@code labels["kuma.io/zone"]}. */
  static String pathOf(JsonStreamContext ctx) {
    return contextPath(ctx);
  }

  /** The path from the root down to {@code ctx}, including ctx's current field or index. */
  private static String contextPath(JsonStreamContext ctx) {
    java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>();
    while (ctx != null && !ctx.inRoot()) {
      if (ctx.inArray()) {
        parts.push("[" + Math.max(ctx.getCurrentIndex(), 0) + "]");
      } else if (ctx.inObject() && ctx.getCurrentName() != null) {
        parts.push(segment(ctx.getCurrentName()));
      }
      ctx = ctx.getParent();
    }
    StringBuilder sb = new StringBuilder();
    for (String part : parts) {
      appendSegment(sb, part);
    }
    return sb.toString();
  }

  private static final java.util.regex.Pattern PLAIN_NAME =
      java.util.regex.Pattern.compile("[A-Za-z0-9_-]+");

  /** A map key or field name as a path segment: {@code name} or {@code ["kuma.io/service"]}. */
  private static String segment(String name) {
    return PLAIN_NAME.matcher(name).matches() ? name : "[\"" + name + "\"]";
  }

  private static void appendSegment(StringBuilder sb, String part) {
    if (sb.length() > 0 && !part.startsWith("[")) {
      sb.append('.');
    }
    sb.append(part);
  }

  static String join(String prefix, String path) {
    if (prefix.isEmpty()) {
      return path;
    }
    if (path.isEmpty()) {
      return prefix;
    }
    return path.startsWith("[") ? prefix + path : prefix + "." + path;
  }

  static Violation mappingViolation(Exception e, String prefix) {
    if (e instanceof JsonMappingException jme) {
      String path = path(jme, prefix);
      if (e instanceof UnrecognizedPropertyException upe) {
        List<String> known = new ArrayList<>();
        if (upe.getKnownPropertyIds() != null) {
          upe.getKnownPropertyIds().forEach(o -> known.add(String.valueOf(o)));
        }
        known.sort(null);
        return new Violation(
            path,
            "unknown field '"
                + upe.getPropertyName()
                + "'"
                + (known.isEmpty() ? "" : " (expected one of " + known + ")"));
      }
      if (e instanceof InvalidFormatException ife) {
        return new Violation(
            path,
            "'"
                + ife.getValue()
                + "' is not valid (expected "
                + friendly(ife.getTargetType())
                + ")");
      }
      if (e instanceof StringsAsWritten.NotAString nas) {
        return new Violation(path, nas.getOriginalMessage());
      }
      if (e instanceof MismatchedInputException mie) {
        return new Violation(
            path, "wrong value type (expected " + friendly(mie.getTargetType()) + ")");
      }
      Throwable root = jme.getCause() != null ? jme.getCause() : jme;
      String msg = root == jme ? jme.getOriginalMessage() : root.getMessage();
      return new Violation(path, ResourceCodec.firstLine(String.valueOf(msg)));
    }
    if (e instanceof StreamReadException sre && sre.getProcessor() != null) {
      JsonParser p = sre.getProcessor();
      String what =
          e instanceof InputCoercionException ice
              ? "value out of range (expected " + friendly(ice.getTargetType()) + ")"
              : ResourceCodec.firstLine(String.valueOf(sre.getOriginalMessage()));
      return new Violation(join(prefix, parserPath(p)), what);
    }
    return new Violation(prefix, ResourceCodec.firstLine(String.valueOf(e.getMessage())));
  }

  private static String friendly(Class<?> type) {
    if (type == null) {
      return "a different value";
    }
    if (type == String.class) {
      return "a string";
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "an integer";
    }
    if (type == Double.class || type == double.class || type == Float.class) {
      return "a number";
    }
    if (type == Instant.class) {
      return "an RFC 3339 time";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (List.class.isAssignableFrom(type)) {
      return "a list";
    }
    if (Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "a mapping";
    }
    if (type.isEnum()) {
      List<String> values = new ArrayList<>();
      for (Object c : type.getEnumConstants()) {
        values.add(c.toString());
      }
      return "one of " + values;
    }
    return type.getSimpleName();
  }

  private static String path(JsonMappingException e, String prefix) {
    StringBuilder sb = new StringBuilder(prefix);
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      } else if (ref.getFieldName() != null) {
        appendSegment(sb, segment(ref.getFieldName()));
      }
    }
    return sb.toString();
  }
}

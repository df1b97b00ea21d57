package io.meshfed.model.validation;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Checks for the free-form {@code conf} maps of a spec (CA, tracing, logging and metrics backends):
 * only known keys, each with the expected type and range. The maps hold what a YAML or JSON reader
 * made of the input: strings, {@link Number}s, booleans, lists and maps.
 */
final class ConfFields {
  private ConfFields() {}

  /** Reports every key of {@code conf} that is not in {@code known}. */
  static void onlyKnown(Violations v, Map<?, ?> conf, Collection<String> known) {
    for (Object key : conf.keySet()) {
      if (!known.contains(String.valueOf(key))) {
        v.field(String.valueOf(key))
            .add("unknown field '" + key + "' (expected one of " + new TreeSet<>(known) + ")");
      }
    }
  }

  /** A nested mapping, or null (reported) when the value is something else. */
  static Map<?, ?> mapping(Violations v, Map<?, ?> conf, String key) {
    Object value = conf.get(key);
    if (value == null) {
      return null;
    }
    if (value instanceof Map<?, ?> m) {
      return m;
    }
    v.field(key).add("must be a mapping (found " + kind(value) + ")");
    return null;
  }

  /** A string value; reports a missing required value or another type. */
  static String string(Violations v, Map<?, ?> conf, String key, boolean required) {
    Object value = conf.get(key);
    if (value == null) {
      if (required) {
        v.field(key).add("must be defined");
      }
      return null;
    }
    if (value instanceof String s) {
      if (s.isBlank()) {
        v.field(key).add("must not be empty");
      }
      return s;
    }
    v.field(key).add("must be a string (found " + kind(value) + ")");
    return null;
  }

  /** A whole number in {@code min..max}; reports a missing required value or another type. */
  static Long integer(Violations v, Map<?, ?> conf, String key, long min, long max) {
    Object value = conf.get(key);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Integer || value instanceof Long || value instanceof Short)) {
      v.field(key)
          .add("must be an integer in " + min + ".." + max + " (found " + kind(value) + ")");
      return null;
    }
    long n = ((Number) value).longValue();
    if (n < min || n > max) {
      v.field(key).add(n + " is out of range (expected: " + min + ".." + max + ")");
      return null;
    }
    return n;
  }

  /** true or false. */
  static void bool(Violations v, Map<?, ?> conf, String key) {
    Object value = conf.get(key);
    if (value != null && !(value instanceof Boolean)) {
      v.field(key).add("must be true or false (found " + kind(value) + ")");
    }
  }

  /** A string from a fixed set. */
  static void oneOf(Violations v, Map<?, ?> conf, String key, List<String> allowed) {
    String s = string(v, conf, key, false);
    if (s != null && !s.isBlank() && !allowed.contains(s)) {
      v.field(key).add("'" + s + "' (expected: one of " + allowed + ")");
    }
  }

  static String kind(Object value) {
    if (value instanceof String s) {
      return "the string '" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
    }
    if (value instanceof Number n) {
      return "the number " + n;
    }
    if (value instanceof Boolean b) {
      return b.toString();
    }
    if (value instanceof Map<?, ?>) {
      return "a mapping";
    }
    if (value instanceof List<?>) {
      return "a list";
    }
    return value.getClass().getSimpleName();
  }
}

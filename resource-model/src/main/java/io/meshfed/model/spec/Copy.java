package io.meshfed.model.spec;

import io.meshfed.model.StringMaps;
import io.meshfed.model.WeakInterner;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Defensive copies for spec records. Nulls inside collections are kept (validators report them with
 * their path); the copies are unmodifiable all the way down.
 */
final class Copy {
  private Copy() {}

  static <T> List<T> list(List<T> in) {
    return in == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(in));
  }

  private static final WeakInterner<Map<String, String>> TAGS = new WeakInterner<>();
  private static final WeakInterner<List<?>> SHARED_LISTS = new WeakInterner<>();

  /**
   * A tag map: sorted by key, so that equal tag sets print the same; compact and shared: one
   * instance per distinct tag set, its strings interned (tags repeat across thousands of
   * Dataplanes).
   */
  static Map<String, String> tags(Map<String, String> in) {
    Map<String, String> copy = StringMaps.sortedCopy(in);
    return copy.isEmpty() ? copy : TAGS.intern(copy);
  }

  /**
   * A list like {@link #list}, its elements and itself shared with equal ones already in use (one
   * instance per distinct value, see {@link WeakInterner}): for immutable values that repeat across
   * many resources, such as Dataplane inbounds and outbounds.
   */
  @SuppressWarnings("unchecked")
  static <T> List<T> sharedList(List<T> in, WeakInterner<T> elements) {
    if (in == null || in.isEmpty()) {
      return List.of();
    }
    List<T> out = new ArrayList<>(in.size());
    in.forEach(x -> out.add(elements.intern(x)));
    return (List<T>) SHARED_LISTS.intern(Collections.unmodifiableList(out));
  }

  /** A map sorted by key (per-type counters and the like). */
  static <V> Map<String, V> tagsLike(Map<String, V> in) {
    return in == null || in.isEmpty() ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(in));
  }

  static <V> Map<String, V> map(Map<String, V> in) {
    return in == null || in.isEmpty()
        ? Map.of()
        : Collections.unmodifiableMap(new LinkedHashMap<>(in));
  }

  /** A free-form tree (maps, lists, scalars) copied into unmodifiable collections. */
  static Map<String, Object> tree(Map<String, Object> in) {
    if (in == null || in.isEmpty()) {
      return Map.of();
    }
    Map<String, Object> out = new LinkedHashMap<>();
    in.forEach((k, v) -> out.put(k, freeze(v)));
    return Collections.unmodifiableMap(out);
  }

  @SuppressWarnings("unchecked")
  private static Object freeze(Object v) {
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      ((Map<String, Object>) m).forEach((k, x) -> out.put(k, freeze(x)));
      return Collections.unmodifiableMap(out);
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      l.forEach(x -> out.add(freeze(x)));
      return Collections.unmodifiableList(out);
    }
    return v;
  }
}

package io.meshfed.model;

import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.function.BiConsumer;

/**
 * An immutable string map sorted by key: its keys, interned, in one list shared by every map with
 * the same keys (the labels of every copy global holds of a zone's Dataplanes have the same four),
 * and its values, interned, in an array of their own; lookups are binary searches. Immutable, so
 * safe to share between threads. Built by {@link StringMaps#sortedCopy}.
 *
 * <p>The first value made of exactly 16 lowercase hex digits (a content hash, as the KDS version
 * label of every synced copy is: unique per resource, so interning does not share it) is held as
 * one {@code long} instead of a string of its own (8 bytes instead of 56); its slot in the array is
 * null and {@link #get} formats it again. The map implements {@link Map} itself rather than
 * extending {@code AbstractMap}, whose two cached-view fields would cost 8 bytes a map.
 */
final class SortedStringMap implements Map<String, String> {
  private static final HexFormat HEX = HexFormat.of();
  private static final int PACKED_LENGTH = 16;
  // one list per distinct key set in use, held weakly
  private static final WeakInterner<List<String>> KEY_SETS = new WeakInterner<>();

  private final List<String> keys;
  private final String[] values;
  // the index in values of the value held in packed, or -1
  private final int packedAt;
  private final long packed;

  private SortedStringMap(List<String> keys, String[] values, int packedAt, long packed) {
    this.keys = keys;
    this.values = values;
    this.packedAt = packedAt;
    this.packed = packed;
  }

  /** A copy of {@code sorted} (non-empty, in its natural key order). */
  static SortedStringMap of(SortedMap<String, String> sorted) {
    String[] keys = new String[sorted.size()];
    String[] values = new String[sorted.size()];
    int packedAt = -1;
    long packed = 0;
    int i = 0;
    for (Map.Entry<String, String> e : sorted.entrySet()) {
      keys[i] = e.getKey().intern();
      String value = e.getValue();
      if (packedAt < 0 && isPackable(value)) {
        packedAt = i;
        packed = HexFormat.fromHexDigitsToLong(value);
      } else {
        values[i] = StringMaps.intern(value);
      }
      i++;
    }
    return new SortedStringMap(KEY_SETS.intern(List.of(keys)), values, packedAt, packed);
  }

  /** Exactly 16 lowercase hex digits: formatting the parsed long gives the same text back. */
  private static boolean isPackable(String value) {
    if (value == null || value.length() != PACKED_LENGTH) {
      return false;
    }
    for (int i = 0; i < PACKED_LENGTH; i++) {
      char c = value.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }

  /** How many of the values are held as strings (the packed one is not). */
  int valueStrings() {
    int n = 0;
    for (String v : values) {
      if (v != null) {
        n++;
      }
    }
    return n;
  }

  /** The list of keys, the same instance in every map with these keys. */
  List<String> sharedKeys() {
    return keys;
  }

  private String valueAt(int index) {
    return index == packedAt ? HEX.toHexDigits(packed) : values[index];
  }

  private int indexOf(Object key) {
    if (!(key instanceof String k)) {
      return -1;
    }
    int lo = 0;
    int hi = values.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = keys.get(mid).compareTo(k);
      if (c == 0) {
        return mid;
      }
      if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return -1;
  }

  @Override
  public int size() {
    return values.length;
  }

  @Override
  public boolean isEmpty() {
    return values.length == 0;
  }

  @Override
  public boolean containsKey(Object key) {
    return indexOf(key) >= 0;
  }

  @Override
  public boolean containsValue(Object value) {
    for (int i = 0; i < values.length; i++) {
      if (Objects.equals(valueAt(i), value)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String get(Object key) {
    int i = indexOf(key);
    return i < 0 ? null : valueAt(i);
  }

  @Override
  public String getOrDefault(Object key, String defaultValue) {
    int i = indexOf(key);
    return i < 0 ? defaultValue : valueAt(i);
  }

  @Override
  public String put(String key, String value) {
    throw new UnsupportedOperationException();
  }

  @Override
  public String remove(Object key) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void putAll(Map<? extends String, ? extends String> m) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void clear() {
    throw new UnsupportedOperationException();
  }

  @Override
  public void forEach(BiConsumer<? super String, ? super String> action) {
    for (int i = 0; i < values.length; i++) {
      action.accept(keys.get(i), valueAt(i));
    }
  }

  /** Views are made on each call, never kept: kept views would cost more than the data. */
  @Override
  public Set<String> keySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<String> iterator() {
        Iterator<Map.Entry<String, String>> entries = entrySet().iterator();
        return new Iterator<>() {
          @Override
          public boolean hasNext() {
            return entries.hasNext();
          }

          @Override
          public String next() {
            return entries.next().getKey();
          }
        };
      }

      @Override
      public boolean contains(Object key) {
        return containsKey(key);
      }

      @Override
      public int size() {
        return SortedStringMap.this.size();
      }
    };
  }

  @Override
  public Collection<String> values() {
    List<String> values = new ArrayList<>(size());
    forEach((k, v) -> values.add(v));
    return Collections.unmodifiableList(values);
  }

  @Override
  public Set<Map.Entry<String, String>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Map.Entry<String, String>> iterator() {
        return new Iterator<>() {
          private int next;

          @Override
          public boolean hasNext() {
            return next < values.length;
          }

          @Override
          public Map.Entry<String, String> next() {
            if (next >= values.length) {
              throw new NoSuchElementException();
            }
            Map.Entry<String, String> e = new SimpleImmutableEntry<>(keys.get(next), valueAt(next));
            next++;
            return e;
          }
        };
      }

      @Override
      public int size() {
        return values.length;
      }
    };
  }

  @Override
  public int hashCode() {
    int h = 0;
    for (int i = 0; i < values.length; i++) {
      h += keys.get(i).hashCode() ^ Objects.hashCode(valueAt(i));
    }
    return h;
  }

  @Override
  public boolean equals(Object o) {
    if (o == this) {
      return true;
    }
    if (o instanceof SortedStringMap other) {
      return packedAt == other.packedAt
          && packed == other.packed
          && keys.equals(other.keys)
          && Arrays.equals(values, other.values);
    }
    if (!(o instanceof Map<?, ?> m) || m.size() != size()) {
      return false;
    }
    try {
      for (int i = 0; i < values.length; i++) {
        String value = valueAt(i);
        Object theirs = m.get(keys.get(i));
        boolean same =
            value == null ? theirs == null && m.containsKey(keys.get(i)) : value.equals(theirs);
        if (!same) {
          return false;
        }
      }
    } catch (ClassCastException | NullPointerException e) {
      return false; // a map that cannot hold string keys, as AbstractMap.equals answers
    }
    return true;
  }

  /** As {@code AbstractMap} and {@code TreeMap} print: {@code {k1=v1, k2=v2}}. */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder("{");
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        out.append(", ");
      }
      out.append(keys.get(i)).append('=').append(valueAt(i));
    }
    return out.append('}').toString();
  }
}

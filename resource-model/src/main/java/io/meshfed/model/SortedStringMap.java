package io.meshfed.model;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SortedMap;
import java.util.function.BiConsumer;

/**
 * An immutable string map sorted by key, held as one array of interned keys and values (key at
 * {@code 2i}, value at {@code 2i + 1}); lookups are binary searches. Immutable, so safe to share
 * between threads. Built by {@link StringMaps#sortedCopy}.
 */
final class SortedStringMap extends AbstractMap<String, String> {
  private final String[] keysAndValues;

  private SortedStringMap(String[] keysAndValues) {
    this.keysAndValues = keysAndValues;
  }

  /** A copy of {@code sorted} (non-empty, in its natural key order). */
  static SortedStringMap of(SortedMap<String, String> sorted) {
    String[] kv = new String[sorted.size() * 2];
    int i = 0;
    for (Map.Entry<String, String> e : sorted.entrySet()) {
      kv[i++] = e.getKey().intern();
      kv[i++] = StringMaps.intern(e.getValue());
    }
    return new SortedStringMap(kv);
  }

  private int indexOf(Object key) {
    if (!(key instanceof String k)) {
      return -1;
    }
    int lo = 0;
    int hi = keysAndValues.length / 2 - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = keysAndValues[mid * 2].compareTo(k);
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
    return keysAndValues.length / 2;
  }

  @Override
  public boolean isEmpty() {
    return keysAndValues.length == 0;
  }

  @Override
  public boolean containsKey(Object key) {
    return indexOf(key) >= 0;
  }

  @Override
  public String get(Object key) {
    int i = indexOf(key);
    return i < 0 ? null : keysAndValues[i * 2 + 1];
  }

  @Override
  public String getOrDefault(Object key, String defaultValue) {
    int i = indexOf(key);
    return i < 0 ? defaultValue : keysAndValues[i * 2 + 1];
  }

  @Override
  public void forEach(BiConsumer<? super String, ? super String> action) {
    for (int i = 0; i < keysAndValues.length; i += 2) {
      action.accept(keysAndValues[i], keysAndValues[i + 1]);
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
            return next < keysAndValues.length;
          }

          @Override
          public Map.Entry<String, String> next() {
            if (next >= keysAndValues.length) {
              throw new NoSuchElementException();
            }
            Map.Entry<String, String> e =
                new SimpleImmutableEntry<>(keysAndValues[next], keysAndValues[next + 1]);
            next += 2;
            return e;
          }
        };
      }

      @Override
      public int size() {
        return keysAndValues.length / 2;
      }
    };
  }

  @Override
  public int hashCode() {
    int h = 0;
    for (int i = 0; i < keysAndValues.length; i += 2) {
      h +=
          keysAndValues[i].hashCode()
              ^ (keysAndValues[i + 1] == null ? 0 : keysAndValues[i + 1].hashCode());
    }
    return h;
  }

  @Override
  public boolean equals(Object o) {
    if (o instanceof SortedStringMap other) {
      return Arrays.equals(keysAndValues, other.keysAndValues);
    }
    return super.equals(o);
  }
}

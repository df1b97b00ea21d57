package io.meshfed.model;

import java.util.Map;
import java.util.TreeMap;

/**
 * Compact copies of the small string maps every resource carries (labels, tags). A stored resource
 * keeps its maps as long as it lives; with tens of thousands of resources (the Dataplanes of every
 * zone on global) the maps are most of a resource's heap, so they are held in one array instead of
 * a tree of entries, and their strings are interned: the same label key, zone, service or tag value
 * is one instance in the process, however many resources carry it.
 */
public final class StringMaps {
  private StringMaps() {}

  /**
   * An unmodifiable copy of {@code in} iterating in key order (as a {@link TreeMap} would), with
   * interned keys and values; {@code Map.of()} when {@code in} is null or empty. A null key throws
   * {@link NullPointerException}; null values are kept.
   */
  public static Map<String, String> sortedCopy(Map<String, String> in) {
    if (in == null || in.isEmpty()) {
      return Map.of();
    }
    if (in instanceof SortedStringMap copied) {
      return copied;
    }
    // a TreeMap in natural order is read as it is; any other map, or order, is sorted first
    return SortedStringMap.of(
        in instanceof TreeMap<String, String> sorted && sorted.comparator() == null
            ? sorted
            : new TreeMap<>(in));
  }

  /** The process's one instance of {@code s} (null stays null). */
  public static String intern(String s) {
    return s == null ? null : s.intern();
  }
}

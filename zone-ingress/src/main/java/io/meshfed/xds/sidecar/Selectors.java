package io.meshfed.xds.sidecar;

import io.meshfed.model.spec.Tags;
import java.util.Map;

/**
 * Kuma's tag-selector semantics: a selector matches a tag set when every selector key is present in
 * it with the same value, or with any value for {@code *}; the empty selector matches anything.
 */
final class Selectors {
  private Selectors() {}

  static boolean matches(Map<String, String> selector, Map<String, String> tags) {
    for (Map.Entry<String, String> e : selector.entrySet()) {
      String value = tags.get(e.getKey());
      if (value == null) {
        return false;
      }
      if (!Tags.WILDCARD.equals(e.getValue()) && !e.getValue().equals(value)) {
        return false;
      }
    }
    return true;
  }

  /** True when every value of {@code selector} is {@code *} (so it matches even no tags at all). */
  static boolean onlyWildcards(Map<String, String> selector) {
    return selector.values().stream().allMatch(Tags.WILDCARD::equals);
  }

  /**
   * How specific a matching selector is: more exact-valued tags first, then more tags. Higher is
   * more specific.
   */
  record Rank(int exact, int total) implements Comparable<Rank> {
    static Rank of(Map<String, String> selector) {
      int exact = (int) selector.values().stream().filter(v -> !Tags.WILDCARD.equals(v)).count();
      return new Rank(exact, selector.size());
    }

    @Override
    public int compareTo(Rank o) {
      int c = Integer.compare(exact, o.exact);
      return c != 0 ? c : Integer.compare(total, o.total);
    }
  }
}

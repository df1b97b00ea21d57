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
   * How specific a matching selector (or a source and a destination selector together, {@link
   * #plus}) is, as Kuma ranks them: more tags first, then more exact-valued (non-{@code *}) tags.
   * Higher is more specific.
   *
   * @param exact the number of tags matched by an exact value
   * @param wildcard the number of tags matched by {@code *}
   */
  record Rank(int exact, int wildcard) implements Comparable<Rank> {
    static Rank of(Map<String, String> selector) {
      int exact = (int) selector.values().stream().filter(v -> !Tags.WILDCARD.equals(v)).count();
      return new Rank(exact, selector.size() - exact);
    }

    int total() {
      return exact + wildcard;
    }

    /** The rank of a match by both selectors: the counts added up. */
    Rank plus(Rank other) {
      return new Rank(exact + other.exact, wildcard + other.wildcard);
    }

    @Override
    public int compareTo(Rank o) {
      int c = Integer.compare(total(), o.total());
      return c != 0 ? c : Integer.compare(exact, o.exact);
    }
  }
}

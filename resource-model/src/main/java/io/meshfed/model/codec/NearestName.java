package io.meshfed.model.codec;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * The known name closest to a misspelled one ({@code TrafficPermision} → {@code
 * TrafficPermission}), by edit distance ignoring case, and only when it is close: at most one edit
 * for every four characters of the input, and never more than three. Nothing is suggested for input
 * that resembles no known name.
 */
public final class NearestName {
  private NearestName() {}

  /** The closest of {@code known} to {@code input}, when close enough; ties go to the first. */
  public static Optional<String> to(String input, Collection<String> known) {
    if (input == null || input.isBlank()) {
      return Optional.empty();
    }
    String in = input.toLowerCase(Locale.ROOT);
    int allowed = Math.min(3, Math.max(1, in.length() / 4));
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(in, k.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return best != null && bestDistance <= allowed && !best.equals(input)
        ? Optional.of(best)
        : Optional.empty();
  }

  /** Levenshtein distance: insertions, deletions and substitutions, each costing one. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}

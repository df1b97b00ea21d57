package io.meshfed.model.validation;

import java.util.Optional;

/**
 * What Java's regular expressions accept and RE2 (Envoy's {@code safe_regex}) does not:
 * look-around, atomic groups, back-references, possessive quantifiers and a few Java-only escapes.
 * A pattern that compiles in Java and uses none of these is close enough to RE2 that Envoy accepts
 * it; the check keeps patterns Envoy would NACK out of the store.
 */
final class Re2Syntax {
  private Re2Syntax() {}

  /** The first construct of {@code regex} RE2 refuses, described; empty when there is none. */
  static Optional<String> unsupported(String regex) {
    boolean inClass = false;
    for (int i = 0; i < regex.length(); i++) {
      char c = regex.charAt(i);
      if (c == '\\' && i + 1 < regex.length()) {
        char e = regex.charAt(++i);
        if (!inClass && e >= '1' && e <= '9') {
          return Optional.of("back-reference '\\" + e + "'");
        }
        if (e == 'k' && i + 1 < regex.length() && regex.charAt(i + 1) == '<') {
          return Optional.of("named back-reference '\\k<...>'");
        }
        if ("ZGRXhHV".indexOf(e) >= 0) {
          return Optional.of("escape '\\" + e + "'");
        }
        continue;
      }
      if (inClass) {
        if (c == ']') {
          inClass = false;
        }
        continue;
      }
      if (c == '[') {
        inClass = true;
        // a ']' right after '[' or '[^' is a literal
        if (i + 1 < regex.length() && regex.charAt(i + 1) == '^') {
          i++;
        }
        if (i + 1 < regex.length() && regex.charAt(i + 1) == ']') {
          i++;
        }
        continue;
      }
      if (c == '(' && regex.startsWith("(?", i)) {
        String rest = regex.substring(i + 2);
        if (rest.startsWith("=") || rest.startsWith("!")) {
          return Optional.of("look-ahead '(?" + rest.charAt(0) + "'");
        }
        if (rest.startsWith("<=") || rest.startsWith("<!")) {
          return Optional.of("look-behind '(?" + rest.substring(0, 2) + "'");
        }
        if (rest.startsWith(">")) {
          return Optional.of("atomic group '(?>'");
        }
      }
      if ((c == '*' || c == '+' || c == '?' || c == '}')
          && i + 1 < regex.length()
          && regex.charAt(i + 1) == '+') {
        return Optional.of("possessive quantifier '" + c + "+'");
      }
    }
    return Optional.empty();
  }
}

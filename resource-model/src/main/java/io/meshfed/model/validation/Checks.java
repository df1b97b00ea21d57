package io.meshfed.model.validation;

import io.meshfed.model.spec.Selector;
import io.meshfed.model.spec.Tags;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Field checks shared by the validators. Each adds violations at the path it is given. */
final class Checks {
  private static final Pattern HOSTNAME =
      Pattern.compile(
          "(?=.{1,253}$)([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)(\\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*\\.?");
  private static final Pattern IPV4 =
      Pattern.compile(
          "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]+(%[A-Za-z0-9_.-]+)?");

  private Checks() {}

  static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  /** A required string. Returns whether it was present. */
  static boolean required(Violations v, String value) {
    if (isBlank(value)) {
      v.add("must not be empty");
      return false;
    }
    return true;
  }

  /** A required section. Returns whether it was present. */
  static boolean required(Violations v, Object value) {
    if (value == null) {
      v.add("must be defined");
      return false;
    }
    return true;
  }

  /** A port: 1..65535 when set; {@code required} makes absence an error. */
  static void port(Violations v, Integer port, boolean required) {
    if (port == null) {
      if (required) {
        v.add("must be defined (expected: a port in 1..65535)");
      }
      return;
    }
    if (port < 1 || port > 65535) {
      v.add(port + " is not a valid port (expected: 1..65535)");
    }
  }

  static void range(Violations v, Number value, long min, long max) {
    // written this way so that NaN (YAML .nan) is out of range too
    if (value != null && !(value.doubleValue() >= min && value.doubleValue() <= max)) {
      v.add(value + " is out of range (expected: " + min + ".." + max + ")");
    }
  }

  static void positive(Violations v, Integer value, boolean required) {
    if (value == null) {
      if (required) {
        v.add("must be defined (expected: a number > 0)");
      }
      return;
    }
    if (value <= 0) {
      v.add(value + " must be greater than 0");
    }
  }

  static void nonNegative(Violations v, Number value) {
    if (value != null && value.doubleValue() < 0) {
      v.add(value + " must not be negative");
    }
  }

  /** A Go duration when set; {@code positive} rejects zero. Returns the parsed value or null. */
  static Duration duration(Violations v, String value, boolean required, boolean positive) {
    if (value == null) {
      if (required) {
        v.add("must be defined (expected: a duration such as 5s)");
      }
      return null;
    }
    return checkDuration(v, value, positive, false);
  }

  static Duration durationWithDays(Violations v, String value) {
    return value == null ? null : checkDuration(v, value, true, true);
  }

  private static Duration checkDuration(
      Violations v, String value, boolean positive, boolean days) {
    Duration d;
    try {
      d = days ? Durations.parseWithDays(value) : Durations.parse(value);
    } catch (IllegalArgumentException e) {
      v.add(e.getMessage());
      return null;
    }
    if (d.isNegative()) {
      v.add("'" + value + "' must not be negative");
    } else if (positive && d.isZero()) {
      v.add("'" + value + "' must be greater than 0");
    }
    return d;
  }

  /** A base64 value (standard alphabet, padding optional, line breaks allowed). */
  static void base64(Violations v, String value, boolean required) {
    if (value == null || value.isEmpty()) {
      if (required) {
        v.add("must not be empty (expected: base64 encoded data)");
      }
      return;
    }
    String compact = value.replaceAll("\\s", "");
    try {
      Base64.getDecoder().decode(compact);
    } catch (IllegalArgumentException e) {
      v.add("is not valid base64: " + e.getMessage());
    }
  }

  /** An IP address or DNS name. */
  static void address(Violations v, String value, boolean required) {
    if (isBlank(value)) {
      if (required) {
        v.add("must not be empty (expected: an IP address or a hostname)");
      }
      return;
    }
    if (!isAddress(value)) {
      v.add("'" + value + "' is not a valid address (expected: an IP address or a hostname)");
    }
  }

  static boolean isAddress(String value) {
    if (IPV4.matcher(value).matches()) {
      return true;
    }
    if (value.contains(":")) {
      return IPV6.matcher(value).matches();
    }
    return HOSTNAME.matcher(value).matches() && !value.matches("[0-9.]+");
  }

  /**
   * Tags of a proxy or destination: keys and values non-empty and in Kuma's character set; {@code
   * wildcard} allows {@code '*'} values (selectors).
   */
  static void tags(Violations v, Map<String, String> tags, boolean wildcard) {
    tags.forEach(
        (k, val) -> {
          if (isBlank(k) || !tagChars(k)) {
            v.add(
                "tag name '" + k + "' is invalid (expected: letters, digits and any of . - _ : /)");
          }
          if (val == null || val.isEmpty()) {
            v.key(k).add("tag value must not be empty");
          } else if (!(wildcard && val.equals(Tags.WILDCARD)) && !tagChars(val)) {
            v.key(k)
                .add(
                    "tag value '"
                        + val
                        + "' is invalid (expected: "
                        + (wildcard ? "'*' or " : "")
                        + "letters, digits and any of . - _ : /)");
          }
        });
  }

  /**
   * Kuma's tag key and value character set: letters, digits and any of {@code . - _ : /} only (or
   * nothing).
   */
  static boolean tagChars(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '-'
              || c == '_'
              || c == ':'
              || c == '/';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  static void requireService(Violations v, Map<String, String> tags) {
    if (!tags.containsKey(Tags.SERVICE)) {
      v.add("tag '" + Tags.SERVICE + "' is required");
    }
  }

  /**
   * A non-empty list of selectors, each with a non-empty {@code match}; {@code service} requires
   * the {@code kuma.io/service} tag in every match.
   */
  static void selectors(Violations v, List<Selector> selectors, boolean service) {
    if (selectors.isEmpty()) {
      v.add("must have at least one element");
      return;
    }
    for (int i = 0; i < selectors.size(); i++) {
      Selector s = selectors.get(i);
      Violations at = v.index(i);
      if (s == null) {
        at.add("must not be null");
        continue;
      }
      Violations match = at.field("match");
      if (s.match().isEmpty()) {
        match.add("must have at least one tag");
        continue;
      }
      if (service) {
        requireService(match, s.match());
      }
      tags(match, s.match(), true);
    }
  }

  /** A non-empty destination tag map that names a service. */
  static void destination(Violations v, Map<String, String> destination) {
    if (destination.isEmpty()) {
      v.add("must not be empty (expected: tags including '" + Tags.SERVICE + "')");
      return;
    }
    requireService(v, destination);
    tags(v, destination, true);
  }

  /** A value that must be one of {@code allowed}. */
  static void oneOf(Violations v, String value, Collection<String> allowed) {
    if (value != null && !allowed.contains(value)) {
      v.add("'" + value + "' (expected: one of " + allowed + ")");
    }
  }

  /** Exactly-one (or at-most-one) of several named sections. */
  static void exclusive(Violations v, Map<String, Boolean> present, boolean atLeastOne) {
    List<String> set = new ArrayList<>();
    present.forEach(
        (name, on) -> {
          if (on) {
            set.add(name);
          }
        });
    if (set.size() > 1) {
      v.add("only one of " + present.keySet() + " may be set (got " + set + ")");
    } else if (set.isEmpty() && atLeastOne) {
      v.add("one of " + present.keySet() + " must be set");
    }
  }

  static void regex(Violations v, String regex) {
    try {
      Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      v.add("'" + regex + "' is not a valid regular expression: " + e.getDescription());
      return;
    }
    Re2Syntax.unsupported(regex)
        .ifPresent(
            what ->
                v.add(
                    "'"
                        + regex
                        + "' uses "
                        + what
                        + ", which Envoy's RE2 does not support (expected: RE2 syntax)"));
  }

  /** Unique non-empty names in a list; reports duplicates at {@code [i].name}. */
  static <T> List<String> uniqueNames(
      Violations v, List<T> items, java.util.function.Function<T, String> name) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      T item = items.get(i);
      if (item == null) {
        v.index(i).add("must not be null");
        continue;
      }
      String n = name.apply(item);
      Violations at = v.index(i).field("name");
      if (isBlank(n)) {
        at.add("must not be empty");
      } else if (names.contains(n)) {
        at.add("'" + n + "' is already used by another backend");
      } else {
        names.add(n);
      }
    }
    return names;
  }
}

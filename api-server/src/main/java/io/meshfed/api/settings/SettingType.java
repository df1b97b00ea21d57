package io.meshfed.api.settings;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a setting's text becomes a value. {@link #parse} throws {@link IllegalArgumentException} when
 * the text does not fit; the message then says what was expected ({@link #expected()}).
 */
public interface SettingType<T> {

  T parse(String text);

  /** What a valid value looks like, e.g. {@code an integer from 0 to 65535}. */
  String expected();

  /** Renders a value back to text (for the summary). */
  default String format(T value) {
    return String.valueOf(value);
  }

  static SettingType<String> string() {
    return new SettingType<>() {
      @Override
      public String parse(String text) {
        return text;
      }

      @Override
      public String expected() {
        return "a string";
      }
    };
  }

  static SettingType<Integer> integer(int min, int max) {
    return new SettingType<>() {
      @Override
      public Integer parse(String text) {
        long v = parseLong(text.trim(), this);
        if (v < min || v > max) {
          throw new IllegalArgumentException(expected());
        }
        return (int) v;
      }

      @Override
      public String expected() {
        return "an integer from " + min + " to " + max;
      }
    };
  }

  static SettingType<Integer> port() {
    return integer(0, 65535);
  }

  static SettingType<Long> longInteger(long min, long max) {
    return new SettingType<>() {
      @Override
      public Long parse(String text) {
        long v = parseLong(text.trim(), this);
        if (v < min || v > max) {
          throw new IllegalArgumentException(expected());
        }
        return v;
      }

      @Override
      public String expected() {
        return "an integer from " + min + " to " + max;
      }
    };
  }

  static SettingType<Boolean> bool() {
    return new SettingType<>() {
      @Override
      public Boolean parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("true")) {
          return true;
        }
        if (t.equals("false")) {
          return false;
        }
        throw new IllegalArgumentException(expected());
      }

      @Override
      public String expected() {
        return "true or false";
      }
    };
  }

  /** One of fixed words, compared exactly. */
  static SettingType<String> oneOf(String... choices) {
    List<String> allowed = List.of(choices);
    return new SettingType<>() {
      @Override
      public String parse(String text) {
        String t = text.trim();
        if (!allowed.contains(t)) {
          throw new IllegalArgumentException(expected());
        }
        return t;
      }

      @Override
      public String expected() {
        return "one of " + allowed;
      }
    };
  }

  /**
   * A duration in Go's notation, as Kuma's settings write it: numbers with units {@code ms}, {@code
   * s}, {@code m}, {@code h}, e.g. {@code 30s}, {@code 1m30s}, {@code 500ms}; from {@code min} to
   * {@code max}.
   */
  static SettingType<Duration> duration(Duration min, Duration max) {
    Pattern whole = Pattern.compile("(\\d{1,9}(ms|s|m|h))+");
    Pattern onePart = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
    return new SettingType<>() {
      @Override
      public Duration parse(String text) {
        String t = text.trim();
        if (!whole.matcher(t).matches()) {
          throw new IllegalArgumentException(expected());
        }
        Duration d = Duration.ZERO;
        Matcher part = onePart.matcher(t);
        while (part.find()) {
          long n = parseLong(part.group(1), this);
          d =
              d.plus(
                  switch (part.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                  });
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
          throw new IllegalArgumentException(expected());
        }
        return d;
      }

      @Override
      public String expected() {
        return "a duration from "
            + format(min)
            + " to "
            + format(max)
            + " (numbers with units ms, s, m, h, e.g. 30s or 1m30s)";
      }

      @Override
      public String format(Duration value) {
        // concat, not +: a control plane formats a default at start (its help), and the first
        // concatenation of a shape is linked by generating classes
        return value.toMillis() % 1000 == 0
            ? Long.toString(value.toSeconds()).concat("s")
            : Long.toString(value.toMillis()).concat("ms");
      }
    };
  }

  static SettingType<Path> path() {
    return new SettingType<>() {
      @Override
      public Path parse(String text) {
        if (text.isBlank()) {
          throw new IllegalArgumentException(expected());
        }
        try {
          return Path.of(text);
        } catch (InvalidPathException e) {
          throw new IllegalArgumentException(expected() + " (" + e.getReason() + ")", e);
        }
      }

      @Override
      public String expected() {
        return "a file system path";
      }
    };
  }

  /** Comma-separated values, e.g. {@code http://a:2379,http://b:2379}; at least one. */
  static SettingType<List<String>> list() {
    return new SettingType<>() {
      @Override
      public List<String> parse(String text) {
        List<String> out = new ArrayList<>();
        for (String part : text.split(",")) {
          if (!part.isBlank()) {
            out.add(part.trim());
          }
        }
        if (out.isEmpty()) {
          throw new IllegalArgumentException(expected());
        }
        return List.copyOf(out);
      }

      @Override
      public String expected() {
        return "one or more comma-separated values";
      }

      @Override
      public String format(List<String> value) {
        return String.join(",", value);
      }
    };
  }

  private static long parseLong(String text, SettingType<?> type) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(type.expected(), e);
    }
  }
}

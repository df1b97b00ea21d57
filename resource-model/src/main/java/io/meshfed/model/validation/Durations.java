package io.meshfed.model.validation;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go-style duration strings as Kuma accepts them: a sequence of decimal numbers, each with an
 * optional fraction and a unit ({@code ns}, {@code us}, {@code µs}, {@code ms}, {@code s}, {@code
 * m}, {@code h}), e.g. {@code 300ms}, {@code 1.5h}, {@code 2h45m}; {@code 0} alone needs no unit.
 * {@link #parseWithDays} also accepts {@code d} (days), as Kuma does for certificate lifetimes.
 */
public final class Durations {
  private static final Pattern PART =
      Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h|d)");

  private Durations() {}

  /** Parses a Go duration; throws {@link IllegalArgumentException} saying what is wrong. */
  public static Duration parse(String text) {
    return parse(text, false);
  }

  /** Like {@link #parse} but also accepts a day unit: {@code 1d}, {@code 30d12h}. */
  public static Duration parseWithDays(String text) {
    return parse(text, true);
  }

  private static Duration parse(String text, boolean days) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("empty duration");
    }
    String s = text;
    boolean negative = false;
    if (s.charAt(0) == '-' || s.charAt(0) == '+') {
      negative = s.charAt(0) == '-';
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = PART.matcher(s);
    int pos = 0;
    BigDecimal nanos = BigDecimal.ZERO;
    while (pos < s.length()) {
      if (!m.find(pos) || m.start() != pos) {
        throw new IllegalArgumentException(invalid(text, days));
      }
      String unit = m.group(2);
      if (unit.equals("d") && !days) {
        throw new IllegalArgumentException(invalid(text, false));
      }
      nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitNanos(unit))));
      pos = m.end();
    }
    if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException("'" + text + "' is too long a duration");
    }
    Duration d = Duration.ofNanos(nanos.longValue());
    return negative ? d.negated() : d;
  }

  private static long unitNanos(String unit) {
    return switch (unit) {
      case "ns" -> 1L;
      case "us", "µs", "μs" -> 1_000L;
      case "ms" -> 1_000_000L;
      case "s" -> 1_000_000_000L;
      case "m" -> 60_000_000_000L;
      case "h" -> 3_600_000_000_000L;
      case "d" -> 86_400_000_000_000L;
      default -> throw new IllegalArgumentException("unknown unit " + unit);
    };
  }

  private static String invalid(String text, boolean days) {
    return "'"
        + text
        + "' is not a duration (expected e.g. 300ms, 5s, 1m30s, 2h; units ns, us, ms, s, m, h"
        + (days ? ", d" : "")
        + ")";
  }

  /** Formats a duration the way Go prints it: {@code 1h30m0s}, {@code 250ms}, {@code 0s}. */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    StringBuilder sb = new StringBuilder();
    if (d.isNegative()) {
      sb.append('-');
      d = d.negated();
    }
    long totalNanos = d.toNanos();
    if (totalNanos < 1_000_000_000L) {
      if (totalNanos % 1_000_000L == 0) {
        return sb.append(totalNanos / 1_000_000L).append("ms").toString();
      }
      if (totalNanos % 1_000L == 0) {
        return sb.append(totalNanos / 1_000L).append("us").toString();
      }
      return sb.append(totalNanos).append("ns").toString();
    }
    long hours = d.toHours();
    long minutes = d.toMinutesPart();
    BigDecimal seconds =
        BigDecimal.valueOf(d.toSecondsPart())
            .add(BigDecimal.valueOf(d.toNanosPart(), 9))
            .stripTrailingZeros();
    if (hours > 0) {
      sb.append(hours).append('h');
    }
    if (hours > 0 || minutes > 0) {
      sb.append(minutes).append('m');
    }
    return sb.append(seconds.toPlainString()).append('s').toString();
  }
}

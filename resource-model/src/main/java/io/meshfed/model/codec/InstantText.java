package io.meshfed.model.codec;

import java.time.Instant;
import java.time.LocalDate;

/**
 * {@link Instant#toString()} (ISO-8601 in UTC, the fraction in groups of three digits as needed)
 * without the formatter machinery behind it, for years 0000 to 9999; other instants are left to
 * {@link Instant#toString()}. Every resource answer writes two of them.
 */
final class InstantText {
  private static final long FIRST = -62_167_219_200L; // 0000-01-01T00:00:00Z
  private static final long LAST = 253_402_300_799L; // 9999-12-31T23:59:59Z

  private InstantText() {}

  static String of(Instant t) {
    long seconds = t.getEpochSecond();
    if (seconds < FIRST || seconds > LAST) {
      return t.toString();
    }
    LocalDate date = LocalDate.ofEpochDay(Math.floorDiv(seconds, 86_400L));
    int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
    int nano = t.getNano();
    char[] out = new char[30];
    int at = digits(out, 0, date.getYear(), 4);
    out[at++] = '-';
    at = digits(out, at, date.getMonthValue(), 2);
    out[at++] = '-';
    at = digits(out, at, date.getDayOfMonth(), 2);
    out[at++] = 'T';
    at = digits(out, at, secondOfDay / 3600, 2);
    out[at++] = ':';
    at = digits(out, at, secondOfDay / 60 % 60, 2);
    out[at++] = ':';
    at = digits(out, at, secondOfDay % 60, 2);
    if (nano != 0) {
      out[at++] = '.';
      if (nano % 1_000_000 == 0) {
        at = digits(out, at, nano / 1_000_000, 3);
      } else if (nano % 1_000 == 0) {
        at = digits(out, at, nano / 1_000, 6);
      } else {
        at = digits(out, at, nano, 9);
      }
    }
    out[at++] = 'Z';
    return new String(out, 0, at);
  }

  /** Writes {@code value} as exactly {@code width} decimal digits at {@code at}. */
  private static int digits(char[] out, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (char) ('0' + value % 10);
      value /= 10;
    }
    return at + width;
  }
}

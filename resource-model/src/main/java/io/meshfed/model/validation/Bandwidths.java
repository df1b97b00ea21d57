package io.meshfed.model.validation;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kuma's bandwidth strings: a whole number and a unit of gbps, mbps, kbps, bps ({@code 50 mbps}).
 */
public final class Bandwidths {
  private static final Pattern BANDWIDTH = Pattern.compile("(\\d{1,12}) ?(gbps|mbps|kbps|bps)");

  private Bandwidths() {}

  /**
   * The bandwidth in kbit/s (decimal units, as Envoy's {@code limit_kbps}).
   *
   * @throws IllegalArgumentException when {@code text} is not in that format or is below 1 kbps,
   *     Envoy's smallest limit
   */
  public static long kbps(String text) {
    Matcher m = BANDWIDTH.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' (expected: a number and a unit of gbps, mbps, kbps, bps, e.g. '50 mbps')");
    }
    long n = Long.parseLong(m.group(1));
    long kbps =
        switch (m.group(2)) {
          case "gbps" -> n * 1_000_000L;
          case "mbps" -> n * 1_000L;
          case "kbps" -> n;
          default -> n / 1000;
        };
    if (kbps < 1) {
      throw new IllegalArgumentException(
          "'" + text + "' is below 1 kbps (expected: at least 1 kbps)");
    }
    return kbps;
  }
}

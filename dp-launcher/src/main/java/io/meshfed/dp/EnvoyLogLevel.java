package io.meshfed.dp;

import java.util.List;
import java.util.Locale;

/**
 * The levels Envoy's {@code --log-level} takes. {@code dp run} passes the chosen one through
 * (default {@code warning}, so a terminal running a few proxies is not flooded with Envoy's info
 * lines) and refuses anything else before Envoy starts.
 */
public final class EnvoyLogLevel {
  /** In Envoy's order, most verbose first; {@code warn} is Envoy's alias of {@code warning}. */
  public static final List<String> LEVELS =
      List.of("trace", "debug", "info", "warning", "warn", "error", "critical", "off");

  public static final String DEFAULT = "warning";

  private EnvoyLogLevel() {}

  /**
   * The level as Envoy spells it (lower case).
   *
   * @throws IllegalArgumentException naming the valid levels
   */
  public static String check(String level) {
    String l = level == null ? "" : level.strip().toLowerCase(Locale.ROOT);
    if (!LEVELS.contains(l)) {
      throw new IllegalArgumentException(
          "--envoy-log-level '"
              + level
              + "' is not an Envoy log level (expected one of "
              + String.join(", ", LEVELS)
              + ")");
    }
    return l;
  }

  /** Envoy's arguments that set {@code level}. */
  static List<String> arguments(String level) {
    return List.of("--log-level", check(level));
  }
}

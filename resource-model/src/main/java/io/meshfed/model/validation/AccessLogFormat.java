package io.meshfed.model.validation;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code format} of a Mesh logging backend: Envoy's text format with Kuma's placeholders, which
 * the zone replaces before it sends the config, and meshfed's zone placeholders.
 *
 * <p>A format is a sequence of plain text and command operators {@code %NAME%}, {@code %NAME(arg)%}
 * or {@code %NAME(arg):N%} ({@code NAME} in upper case, digits and {@code _}). A {@code %} that
 * starts none is refused, and so is a {@code %KUMA_...%} placeholder that is not in {@link
 * #PLACEHOLDERS}. Envoy's own operators are not listed here: Envoy checks them.
 */
public final class AccessLogFormat {
  public static final String MESH = "%KUMA_MESH%";
  public static final String SOURCE_SERVICE = "%KUMA_SOURCE_SERVICE%";
  public static final String DESTINATION_SERVICE = "%KUMA_DESTINATION_SERVICE%";
  public static final String SOURCE_ADDRESS = "%KUMA_SOURCE_ADDRESS%";
  public static final String SOURCE_ADDRESS_WITHOUT_PORT = "%KUMA_SOURCE_ADDRESS_WITHOUT_PORT%";
  public static final String TRAFFIC_DIRECTION = "%KUMA_TRAFFIC_DIRECTION%";

  /** meshfed's: the zone of the proxy's zone control plane. */
  public static final String SOURCE_ZONE = "%KUMA_SOURCE_ZONE%";

  /** meshfed's: the zone of the endpoint Envoy picked, from its EDS metadata. */
  public static final String DESTINATION_ZONE = "%KUMA_DESTINATION_ZONE%";

  /** Every placeholder the zone replaces, Kuma's first. */
  public static final List<String> PLACEHOLDERS =
      List.of(
          MESH,
          SOURCE_SERVICE,
          DESTINATION_SERVICE,
          SOURCE_ADDRESS,
          SOURCE_ADDRESS_WITHOUT_PORT,
          TRAFFIC_DIRECTION,
          SOURCE_ZONE,
          DESTINATION_ZONE);

  private static final Pattern OPERATOR = Pattern.compile("%([A-Z0-9_]+)(\\([^)]*\\))?(:[0-9]+)?%");

  private AccessLogFormat() {}

  /** What is wrong with {@code format}, or empty when it is well formed. */
  public static Optional<String> problem(String format) {
    Matcher m = OPERATOR.matcher(format);
    int i = 0;
    while (i < format.length()) {
      int percent = format.indexOf('%', i);
      if (percent < 0) {
        break;
      }
      m.region(percent, format.length());
      if (!m.lookingAt()) {
        return Optional.of(
            "'%' at index "
                + percent
                + " starts no command operator (expected: %NAME%, %NAME(arg)% or"
                + " %NAME(arg):N%)");
      }
      String name = m.group(1);
      if (name.startsWith("KUMA_") && !PLACEHOLDERS.contains(m.group())) {
        return Optional.of(
            "unknown placeholder '" + m.group() + "' (expected one of " + PLACEHOLDERS + ")");
      }
      i = m.end();
    }
    return Optional.empty();
  }
}

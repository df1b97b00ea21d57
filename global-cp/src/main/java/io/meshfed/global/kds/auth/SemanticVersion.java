package io.meshfed.global.kds.auth;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code MAJOR.MINOR.PATCH} with optional {@code v} prefix, pre-release and build suffixes. */
public record SemanticVersion(int major, int minor, int patch) {
  private static final Pattern FORMAT =
      Pattern.compile(
          "v?(\\d{1,9})\\.(\\d{1,9})(?:\\.(\\d{1,9}))?(?:-[0-9A-Za-z.-]+)?(?:\\+[0-9A-Za-z.-]+)?");

  /** The version in {@code text}, or empty when it is not a semantic version. */
  public static Optional<SemanticVersion> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    Matcher m = FORMAT.matcher(text.strip());
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(
        new SemanticVersion(
            Integer.parseInt(m.group(1)),
            Integer.parseInt(m.group(2)),
            m.group(3) == null ? 0 : Integer.parseInt(m.group(3))));
  }

  @Override
  public String toString() {
    return major + "." + minor + "." + patch;
  }
}

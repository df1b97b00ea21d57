package io.meshfed.model.validation;

import java.util.regex.Pattern;

/** Name rules shared by every type. */
public final class Names {
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  private Names() {}

  /**
   * A resource name: lowercase RFC 1123 subdomain (DNS labels joined by dots), at most 253
   * characters. Returns null when valid, otherwise what is wrong.
   */
  public static String checkResourceName(String name) {
    if (name == null || name.isEmpty()) {
      return "must not be empty";
    }
    if (name.length() > 253) {
      return "must be at most 253 characters (got " + name.length() + ")";
    }
    for (String label : name.split("\\.", -1)) {
      String problem = checkLabel(label);
      if (problem != null) {
        return "'"
            + name
            + "' is not a valid name: "
            + problem
            + " (expected lowercase letters, digits, '-' and '.', starting and ending with a"
            + " letter or digit)";
      }
    }
    return null;
  }

  /** A single DNS label (RFC 1123), at most 63 characters: mesh and zone names. */
  public static String checkDnsLabel(String name) {
    if (name == null || name.isEmpty()) {
      return "must not be empty";
    }
    String problem = checkLabel(name);
    return problem == null
        ? null
        : "'"
            + name
            + "' is not a valid DNS label: "
            + problem
            + " (expected at most 63 lowercase letters, digits and '-', starting and ending with a"
            + " letter or digit)";
  }

  private static String checkLabel(String label) {
    if (label.isEmpty()) {
      return "empty label";
    }
    if (label.length() > 63) {
      return "label '" + label + "' is longer than 63 characters";
    }
    if (!LABEL.matcher(label).matches()) {
      return "label '" + label + "' has invalid characters";
    }
    return null;
  }
}

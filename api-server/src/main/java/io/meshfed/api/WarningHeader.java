package io.meshfed.api;

import java.util.List;

/**
 * The {@code Warning} header of an answer (RFC 7234 section 5.5, as Kubernetes sends its API
 * warnings): {@code 299 - "text"} per warning, comma-separated, the text quoted with {@code \"} and
 * {@code \\} escaped and anything outside printable ASCII replaced by {@code ?}. The header stays
 * within {@link #MAX_CHARS}, well below the response header limit, so that a long list of warnings
 * never turns a stored write into a failed answer: a warning is cut at {@link #MAX_WARNING_CHARS},
 * and those that do not fit are counted in a last warning.
 */
final class WarningHeader {
  static final String NAME = "Warning";

  /** The longest header sent. */
  static final int MAX_CHARS = 4096;

  /** The longest single warning, before quoting; longer ones are cut and end with "...". */
  static final int MAX_WARNING_CHARS = 1024;

  /** Room kept for the last warning, saying how many were not sent. */
  private static final int RESERVED_CHARS = 120;

  private WarningHeader() {}

  static ApiResponse add(ApiResponse response, List<String> warnings) {
    if (warnings.isEmpty()) {
      return response;
    }
    return response.withHeader(NAME, bounded(warnings));
  }

  static String bounded(List<String> warnings) {
    StringBuilder out = new StringBuilder();
    int sent = 0;
    for (String warning : warnings) {
      String v =
          value(
              warning.length() > MAX_WARNING_CHARS
                  ? warning.substring(0, MAX_WARNING_CHARS) + " ..."
                  : warning);
      if (out.length() + v.length() + 2 > MAX_CHARS - RESERVED_CHARS) {
        break;
      }
      if (out.length() > 0) {
        out.append(", ");
      }
      out.append(v);
      sent++;
    }
    if (sent < warnings.size()) {
      if (out.length() > 0) {
        out.append(", ");
      }
      out.append(
          value(
              (warnings.size() - sent)
                  + " more warning(s) not sent: the header is limited to "
                  + MAX_CHARS
                  + " characters"));
    }
    return out.toString();
  }

  private static String value(String warning) {
    StringBuilder sb = new StringBuilder("299 - \"");
    for (char c : warning.toCharArray()) {
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7e) {
        sb.append(c == '\n' || c == '\t' ? ' ' : '?');
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }
}

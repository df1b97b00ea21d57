package io.meshfed.api;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The {@code Warning} header of an answer (RFC 7234 section 5.5, as Kubernetes sends its API
 * warnings): {@code 299 - "text"} per warning, comma-separated, the text quoted with {@code \"} and
 * {@code \\} escaped and anything outside printable ASCII replaced by {@code ?}.
 */
final class WarningHeader {
  static final String NAME = "Warning";

  private WarningHeader() {}

  static ApiResponse add(ApiResponse response, List<String> warnings) {
    if (warnings.isEmpty()) {
      return response;
    }
    return response.withHeader(
        NAME, warnings.stream().map(WarningHeader::value).collect(Collectors.joining(", ")));
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

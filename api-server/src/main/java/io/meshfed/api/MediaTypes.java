package io.meshfed.api;

import io.meshfed.model.validation.Violation;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The media types a request body may have: JSON or YAML, never a type a browser may send cross-site
 * without a preflight ({@code text/plain}, forms) and never none at all.
 */
final class MediaTypes {
  static final List<String> BODY_LIST =
      List.of("application/json", "application/yaml", "application/x-yaml", "text/yaml");
  static final Set<String> BODY = Set.copyOf(BODY_LIST);

  private MediaTypes() {}

  /**
   * Checks the {@code Content-Type} of a request that has a body, or whose body a route reads.
   *
   * @param values the values of the request's {@code Content-Type} headers, none when it has none
   * @throws ApiException 415 naming the header and the accepted types, unless there is exactly one
   *     value whose media type (parameters such as {@code charset} aside) is one of {@link #BODY}
   */
  static void requireBodyType(List<String> values) {
    if (values.size() == 1 && BODY.contains(media(values.get(0)))) {
      return;
    }
    String problem;
    if (values.isEmpty()) {
      problem = "is missing; a request body must say its type";
    } else if (values.size() > 1) {
      problem = "is given " + values.size() + " times (" + String.join(", ", values) + ")";
    } else {
      problem = "'" + values.get(0) + "' is not supported";
    }
    String expected =
        "expected one of " + String.join(", ", BODY_LIST) + ", with an optional charset";
    throw new ApiException(
        415,
        "Unsupported Media Type",
        "Content-Type " + problem + " (" + expected + ")",
        List.of(new Violation("Content-Type", problem + " (" + expected + ")")));
  }

  /** True when {@code contentType} (may be null) names JSON. */
  static boolean isJson(String contentType) {
    return contentType != null && "application/json".equals(media(contentType));
  }

  private static String media(String value) {
    return value.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
  }
}

package io.meshfed.api;

import java.util.List;
import java.util.Set;

/** The media types a request body may have. */
final class MediaTypes {
  static final List<String> BODY_LIST =
      List.of("application/json", "application/yaml", "application/x-yaml", "text/yaml");
  static final Set<String> BODY = Set.copyOf(BODY_LIST);

  private MediaTypes() {}
}

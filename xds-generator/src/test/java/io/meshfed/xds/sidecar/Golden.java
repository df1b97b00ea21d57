package io.meshfed.xds.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files under {@code src/test/resources/golden}: compared exactly, rewritten when the build
 * runs with {@code -Dgolden.update=true}.
 */
final class Golden {
  static final String UPDATE_PROPERTY = "golden.update";

  private Golden() {}

  static void assertMatches(String relativePath, String actual) {
    Path file = Path.of("src/test/resources/golden").resolve(relativePath);
    try {
      if (Boolean.getBoolean(UPDATE_PROPERTY)) {
        Files.createDirectories(file.getParent());
        Files.writeString(file, actual, StandardCharsets.UTF_8);
        return;
      }
      assertThat(file)
          .as("golden file %s missing: run once with -D%s=true", file, UPDATE_PROPERTY)
          .exists();
      assertThat(actual)
          .as("generated config differs from %s (rewrite with -D%s=true)", file, UPDATE_PROPERTY)
          .isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

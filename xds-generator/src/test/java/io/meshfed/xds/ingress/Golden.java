package io.meshfed.xds.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files under {@code src/test/resources/golden/}: compared exactly, or rewritten when the
 * build runs with {@code -Dgolden.update=true} (then review the diff and commit it).
 */
final class Golden {
  private static final Path ROOT = Path.of("src", "test", "resources", "golden");

  private Golden() {}

  static void assertMatches(String relativePath, String actual) throws IOException {
    Path file = ROOT.resolve(relativePath);
    String content = actual.endsWith("\n") ? actual : actual + "\n";
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, content, StandardCharsets.UTF_8);
      return;
    }
    assertThat(file)
        .as("golden file %s is missing: run the test with -Dgolden.update=true", file)
        .exists();
    assertThat(content)
        .as("%s differs from the generated output (rewrite with -Dgolden.update=true)", file)
        .isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
  }
}

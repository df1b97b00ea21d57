package io.meshfed.dp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files under {@code src/test/resources/golden/dp}: compared exactly, rewritten when the
 * tests run with {@code -Dgolden.update=true}.
 */
final class Golden {
  private static final Path DIR = Path.of("src", "test", "resources", "golden", "dp");

  private Golden() {}

  static void assertMatches(String name, String actual) throws IOException {
    Path file = DIR.resolve(name);
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(DIR);
      Files.writeString(file, actual, StandardCharsets.UTF_8);
      return;
    }
    assertThat(file)
        .as("golden file %s is missing; run the test with -Dgolden.update=true", file)
        .exists();
    assertThat(actual)
        .as("%s differs; rerun with -Dgolden.update=true if the change is intended", file)
        .isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
  }
}

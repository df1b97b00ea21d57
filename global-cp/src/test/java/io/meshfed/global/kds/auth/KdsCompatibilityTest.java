package io.meshfed.global.kds.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class KdsCompatibilityTest {
  private final KdsCompatibility global = new KdsCompatibility("2.3.1", Set.of());

  @Test
  void sameOrPreviousMajorIsAccepted() {
    assertThat(global.problem("z", "2.9.0", Set.of())).isEmpty();
    assertThat(global.problem("z", "v2.0.0-rc.1", Set.of())).isEmpty();
    assertThat(global.problem("z", "1.0.0", Set.of())).isEmpty();
  }

  @Test
  void newerOrMuchOlderMajorsAndNonVersionsAreRefused() {
    assertThat(global.problem("z", "3.0.0", Set.of()))
        .get()
        .asString()
        .contains("upgrade global first");
    assertThat(global.problem("z", "0.9.0", Set.of()))
        .get()
        .asString()
        .contains("upgrade the zone to 2.x");
    assertThat(global.problem("z", "latest", Set.of()))
        .get()
        .asString()
        .contains("not a semantic version");
  }

  @Test
  void aDevelopmentGlobalDoesNotCompareVersions() {
    KdsCompatibility dev = new KdsCompatibility("dev", Set.of("resume"));
    assertThat(dev.problem("z", "9.0.0", Set.of("resume"))).isEmpty();
    assertThat(dev.problem("z", "9.0.0", Set.of())).get().asString().contains("[resume]");
  }

  @Test
  void semanticVersionsParse() {
    assertThat(SemanticVersion.parse("0.1.0-SNAPSHOT")).contains(new SemanticVersion(0, 1, 0));
    assertThat(SemanticVersion.parse("1.2")).contains(new SemanticVersion(1, 2, 0));
    assertThat(SemanticVersion.parse("1.2.3+build.7")).contains(new SemanticVersion(1, 2, 3));
    assertThat(SemanticVersion.parse("1")).isEmpty();
    assertThat(SemanticVersion.parse(null)).isEmpty();
  }
}

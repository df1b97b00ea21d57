package io.meshfed.xds.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Names the generator derives from resource names and tags: written without regular expressions or
 * {@code String.format}, they must stay what those made (the golden files depend on them).
 */
class NamesTest {
  @Test
  void statPrefixReplacesEveryCharacterOutsideLettersAndDigitsByOneUnderscore() {
    for (String name :
        List.of(
            "",
            "backend",
            "outbound:10.0.0.1:8080",
            "svc-1_z2.default",
            "Web_Ä-ñ",
            "emoji-\uD83D\uDE00-end", // one character outside the basic plane: one '_'
            "a b\tc/d@e")) {
      assertThat(Xds.statPrefix(name)).as(name).isEqualTo(name.replaceAll("[^A-Za-z0-9]", "_"));
    }
    assertThat(Xds.statPrefix("emoji-\uD83D\uDE00")).isEqualTo("emoji__");
  }

  @Test
  void subsetClusterNamesEndInEightLowercaseHexDigits() {
    for (Map<String, String> subset :
        List.of(
            Map.of("version", "v1"),
            Map.of("version", "v2"),
            Map.of("kuma.io/zone", "zone-1"),
            Map.of("kuma.io/zone", "zone-2", "version", "v1"),
            Map.of("a", "b"),
            Map.of("x", "1"),
            Map.of("x", "2"),
            Map.of("x", "3"))) {
      assertThat(new ClusterKey("backend", subset).name()).matches("backend_[0-9a-f]{8}");
    }
    assertThat(new ClusterKey("backend", Map.of()).name()).isEqualTo("backend");
  }
}

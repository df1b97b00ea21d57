package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WarningHeaderTest {

  @Test
  void shortWarningsAreSentWholeAndQuoted() {
    assertThat(WarningHeader.bounded(List.of("a \"b\"", "c")))
        .isEqualTo("299 - \"a \\\"b\\\"\", 299 - \"c\"");
  }

  @Test
  void manyWarningsStayWithinTheLimitAndTheRestIsCounted() {
    List<String> warnings = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      warnings.add("TrafficRoute 'default/route-number-" + i + "' routes across zones");
    }

    String header = WarningHeader.bounded(warnings);

    assertThat(header.length()).isLessThanOrEqualTo(WarningHeader.MAX_CHARS);
    assertThat(header).startsWith("299 - \"TrafficRoute 'default/route-number-0'");
    assertThat(header).containsPattern("\"\\d+ more warning\\(s\\) not sent");
  }

  @Test
  void oneHugeWarningIsCut() {
    String header = WarningHeader.bounded(List.of("x".repeat(100_000)));

    assertThat(header.length()).isLessThanOrEqualTo(WarningHeader.MAX_CHARS);
    assertThat(header).endsWith(" ...\"").doesNotContain("more warning");
  }
}

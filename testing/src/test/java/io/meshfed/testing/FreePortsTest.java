package io.meshfed.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FreePortsTest {
  @Test
  void portsComeFromBelowTheEphemeralRangeAndAreNeverHandedOutTwice() {
    PortRange range = PortRange.forThisMachine();
    Set<Integer> seen = new HashSet<>(FreePorts.several(20));
    for (int i = 0; i < 20; i++) {
      // before this fix, two calls could both get a port the kernel's bind(0) picked and freed
      seen.add(FreePorts.one());
    }
    assertThat(seen)
        .hasSize(40)
        .allSatisfy(p -> assertThat(p).isBetween(range.lowest(), range.highest()));
  }

  @Test
  void severalRefusesAnEmptyCount() {
    assertThatThrownBy(() -> FreePorts.several(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("count must be >= 1, got 0");
  }
}

package io.meshfed.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PortRangeTest {
  @Test
  void linuxDefaultGivesThePortsBetweenTheReadmeWalksFixedOnes() {
    assertThat(PortRange.outside(32_768, 60_999)).isEqualTo(new PortRange(20_100, 29_999));
  }

  @Test
  void aHigherEphemeralRangeGivesTheSame() {
    assertThat(PortRange.outside(49_152, 65_535)).isEqualTo(new PortRange(20_100, 29_999));
  }

  @Test
  void anEphemeralRangeStartingInsideCutsIt() {
    assertThat(PortRange.outside(25_000, 60_999)).isEqualTo(new PortRange(15_100, 24_999));
  }

  @Test
  void aLowEphemeralRangeGivesThePortsBelowIt() {
    assertThat(PortRange.outside(10_000, 65_535)).isEqualTo(new PortRange(1024, 9_999));
  }

  @Test
  void anEphemeralRangeFromTheBottomLeavesThePortsAboveIt() {
    assertThat(PortRange.outside(1024, 40_000)).isEqualTo(new PortRange(40_001, 49_900));
  }

  @Test
  void noRoomOnEitherSideIsRefusedWithTheRange() {
    assertThatThrownBy(() -> PortRange.outside(1500, 65_000))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("1500..65000");
  }

  @Test
  void thisMachinesRangeLiesOutsideItsEphemeralRange() {
    PortRange range = PortRange.forThisMachine();
    assertThat(range.size()).isGreaterThanOrEqualTo(PortRange.MINIMUM);
    assertThat(range.highest()).isLessThan(32_768);
    assertThat(range.lowest()).isGreaterThan(20_082);
  }
}

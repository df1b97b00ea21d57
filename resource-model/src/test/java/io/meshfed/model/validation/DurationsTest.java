package io.meshfed.model.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
  @ParameterizedTest
  @CsvSource({
    "0, PT0S",
    "0s, PT0S",
    "300ms, PT0.3S",
    "1.5h, PT1H30M",
    "2h45m, PT2H45M",
    "1m30s, PT1M30S",
    "0.0005m, PT0.03S",
    "30000000ns, PT0.03S",
    "10us, PT0.00001S",
    "-5s, PT-5S",
    ".5s, PT0.5S"
  })
  void parsesGoDurations(String text, String expected) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.parse(expected));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "5", "5 s", "1d", "s", "1.2.3s", "10y", "5S", "1h-5m"})
  void rejectsOthers(String text) {
    assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @CsvSource({"1d, PT24H", "30d12h, PT732H"})
  void daysOnlyWhereAllowed(String text, String expected) {
    assertThat(Durations.parseWithDays(text)).isEqualTo(Duration.parse(expected));
  }

  @ParameterizedTest
  @CsvSource({"PT0S, 0s", "PT0.25S, 250ms", "PT1H30M, 1h30m0s", "PT5S, 5s", "PT1M0.5S, 1m0.5s"})
  void formatsLikeGo(String duration, String expected) {
    assertThat(Durations.format(Duration.parse(duration))).isEqualTo(expected);
    assertThat(Durations.parse(expected)).isEqualTo(Duration.parse(duration));
  }
}

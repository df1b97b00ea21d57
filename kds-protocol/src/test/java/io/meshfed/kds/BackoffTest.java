package io.meshfed.kds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

  @Test
  void doublesUpToTheCapWithJitterInTheUpperHalf() {
    Backoff max =
        new Backoff(
            Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(30), () -> 0.999999);
    Backoff min =
        new Backoff(
            Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(30), () -> 0.0);

    assertThat(max.next()).isCloseTo(Duration.ofSeconds(1), Duration.ofMillis(1));
    assertThat(max.next()).isCloseTo(Duration.ofSeconds(2), Duration.ofMillis(1));
    assertThat(max.next()).isCloseTo(Duration.ofSeconds(4), Duration.ofMillis(1));
    assertThat(max.next()).isCloseTo(Duration.ofSeconds(8), Duration.ofMillis(1));
    assertThat(max.next()).isCloseTo(Duration.ofSeconds(10), Duration.ofMillis(1));
    assertThat(max.next()).isCloseTo(Duration.ofSeconds(10), Duration.ofMillis(1));
    assertThat(min.next()).isEqualTo(Duration.ofMillis(500));
    assertThat(min.next()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void resetsOnlyAfterAHealthyRun() {
    Backoff b =
        new Backoff(
            Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(30), () -> 0.0);
    b.next();
    b.next();
    b.next();

    b.succeeded(Duration.ofSeconds(5));
    assertThat(b.attempts()).isEqualTo(3);
    assertThat(b.next()).isEqualTo(Duration.ofSeconds(4));

    b.succeeded(Duration.ofSeconds(30));
    assertThat(b.attempts()).isZero();
    assertThat(b.next()).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void refusesNonsense() {
    assertThatThrownBy(
            () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1), () -> 0))
        .hasMessageContaining("base must be positive");
    assertThatThrownBy(
            () ->
                new Backoff(
                    Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(1), () -> 0))
        .hasMessageContaining("cap");
  }
}

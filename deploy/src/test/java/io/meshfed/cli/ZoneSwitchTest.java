package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class ZoneSwitchTest {
  /** Answers in order, each request taking 100 ms of the fake clock. */
  private static Supplier<String> answers(AtomicLong clock, String... zones) {
    Deque<String> left = new ArrayDeque<>(Arrays.asList(zones));
    return () -> {
      clock.addAndGet(Duration.ofMillis(100).toNanos());
      String next = left.poll();
      return "none".equals(next) ? null : next;
    };
  }

  @Test
  void countsFromTheEventToTheFirstRequestOfTheRun() {
    AtomicLong clock = new AtomicLong(5_000_000_000L);
    Supplier<String> answer =
        answers(clock, "zone-1", "none", "zone-2", "zone-1", "zone-2", "zone-2", "zone-2");

    ZoneSwitch.Result r =
        ZoneSwitch.after(answer, clock::get, "zone-2", 3, clock.get(), Duration.ofSeconds(10));

    // requests at +0 (zone-1), +100 (failed), +200 (zone-2), +300 (zone-1), +400.. zone-2 x3
    assertThat(r.took()).isEqualTo(Duration.ofMillis(400));
    assertThat(r.otherZone()).as("zone-1 before the run").isEqualTo(2);
    assertThat(r.failed()).isEqualTo(1);
    assertThat(r.slowest()).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void anAlreadySwitchedZoneTakesNoTime() {
    AtomicLong clock = new AtomicLong();
    ZoneSwitch.Result r =
        ZoneSwitch.after(
            answers(clock, "zone-1", "zone-1"), clock::get, "zone-1", 2, 0, Duration.ofSeconds(1));
    assertThat(r).isEqualTo(new ZoneSwitch.Result(Duration.ZERO, 0, 0, Duration.ofMillis(100)));
  }

  @Test
  void givesUpAfterTheLimitNamingTheZone() {
    AtomicLong clock = new AtomicLong();
    Supplier<String> never =
        () -> {
          clock.addAndGet(Duration.ofMillis(100).toNanos());
          return "zone-1";
        };
    assertThatThrownBy(
            () -> ZoneSwitch.after(never, clock::get, "zone-2", 5, 0, Duration.ofSeconds(2)))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("no 5 requests in a row were answered by zone-2 within 2s")
        .hasMessageContaining("21 requests sent");
  }

  @Test
  void refusesAnEmptyRun() {
    AtomicLong clock = new AtomicLong();
    assertThatThrownBy(
            () ->
                ZoneSwitch.after(() -> "zone-1", clock::get, "zone-1", 0, 0, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

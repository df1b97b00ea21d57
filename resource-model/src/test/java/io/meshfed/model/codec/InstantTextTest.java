package io.meshfed.model.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InstantTextTest {
  @Test
  void writesWhatInstantToStringWrites() {
    List<Instant> edges =
        List.of(
            Instant.EPOCH,
            Instant.parse("2026-12-07T10:00:00Z"),
            Instant.parse("2026-12-07T10:00:00.120Z"),
            Instant.parse("2026-12-07T10:00:00.000120Z"),
            Instant.parse("2026-12-07T10:00:00.000000120Z"),
            Instant.parse("2024-02-29T23:59:59.999999999Z"),
            Instant.parse("0000-01-01T00:00:00Z"),
            Instant.parse("9999-12-31T23:59:59.999Z"),
            Instant.parse("0000-01-01T00:00:00Z").minusNanos(1),
            Instant.parse("9999-12-31T23:59:59Z").plusSeconds(1),
            Instant.MIN,
            Instant.MAX,
            Instant.ofEpochSecond(-1, 5_000_000));
    for (Instant t : edges) {
      assertThat(InstantText.of(t)).as("%s", t).isEqualTo(t.toString());
    }
    SplittableRandom random = new SplittableRandom(14);
    for (int i = 0; i < 100_000; i++) {
      long seconds = random.nextLong(-62_167_219_200L - 1000, 253_402_300_799L + 1000);
      int nano =
          switch (i % 4) {
            case 0 -> 0;
            case 1 -> random.nextInt(1000) * 1_000_000;
            case 2 -> random.nextInt(1_000_000) * 1_000;
            default -> random.nextInt(1_000_000_000);
          };
      Instant t = Instant.ofEpochSecond(seconds, nano);
      assertThat(InstantText.of(t)).as("%s", t).isEqualTo(t.toString());
    }
  }
}

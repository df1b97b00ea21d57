package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@code dp run --drain-time} is checked before anything is sent: a value Envoy's whole-second
 * {@code --drain-time-s} cannot hold, or one that is not a duration, is a usage error (exit 2) that
 * names the flag.
 */
class DpRunDrainTimeTest {
  @Test
  void aDrainTimeThatIsNotWholeSecondsIsAUsageError() {
    Run r = run("1500ms");
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err())
        .contains("--drain-time")
        .contains("is not a whole number of seconds of at least 1");
  }

  @Test
  void aDrainTimeThatIsNotADurationIsAUsageError() {
    Run r = run("soon");
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("--drain-time 'soon'");
  }

  private record Run(int status, String err) {}

  private static Run run(String drainTime) {
    PrintStream saved = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int status =
          Main.run(
              "dp",
              "run",
              "--cp-address",
              "http://127.0.0.1:1",
              "--name",
              "web-1",
              "--drain-time",
              drainTime);
      return new Run(status, err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(saved);
    }
  }
}

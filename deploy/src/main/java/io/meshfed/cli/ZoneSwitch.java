package io.meshfed.cli;

import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * How long after an event (a backend stopped, started again) every request is answered by one zone:
 * requests are sent one after another until {@code run} in a row are answered by that zone; the
 * time counts from the event to the start of the first request of that run, so the requests that
 * proved it are not counted.
 */
final class ZoneSwitch {
  private ZoneSwitch() {}

  /**
   * Sends requests with {@code answer} (the zone that answered, or null for a failed request) until
   * {@code run} in a row come from {@code zone}; the time from {@code sinceNanos} (a {@code
   * nanoTime} reading) to the first request of that run.
   *
   * @throws CliException when no such run has started {@code atMost} after {@code sinceNanos}
   */
  static Duration after(
      Supplier<String> answer,
      LongSupplier nanoTime,
      String zone,
      int run,
      long sinceNanos,
      Duration atMost) {
    if (run < 1) {
      throw new IllegalArgumentException("run: " + run + " (expected: 1 or more)");
    }
    long deadline = sinceNanos + atMost.toNanos();
    long firstOfRun = 0;
    int inRow = 0;
    int sent = 0;
    while (inRow < run) {
      long at = nanoTime.getAsLong();
      if (inRow == 0 && at - deadline > 0) {
        throw new CliException(
            "no "
                + run
                + " requests in a row were answered by "
                + zone
                + " within "
                + atMost.toSeconds()
                + "s ("
                + sent
                + " requests sent)");
      }
      sent++;
      if (zone.equals(answer.get())) {
        firstOfRun = inRow == 0 ? at : firstOfRun;
        inRow++;
      } else {
        inRow = 0;
      }
    }
    return Duration.ofNanos(firstOfRun - sinceNanos);
  }
}

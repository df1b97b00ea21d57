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
   * The time from the event to the first request of the run, how many requests before the run
   * another zone answered and how many failed, and the longest time one request took until the run
   * was complete (a request a proxy retried elsewhere succeeds, late).
   */
  record Result(Duration took, int otherZone, int failed, Duration slowest) {}

  /**
   * Sends requests with {@code answer} (the zone that answered, or null for a failed request) until
   * {@code run} in a row come from {@code zone}; the time from {@code sinceNanos} (a {@code
   * nanoTime} reading) to the first request of that run, and how the requests before it went.
   *
   * @throws CliException when no such run has started {@code atMost} after {@code sinceNanos}
   */
  static Result after(
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
    int otherZone = 0;
    int failed = 0;
    long slowest = 0;
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
      String answered = answer.get();
      slowest = Math.max(slowest, nanoTime.getAsLong() - at);
      if (zone.equals(answered)) {
        firstOfRun = inRow == 0 ? at : firstOfRun;
        inRow++;
      } else {
        if (answered == null) {
          failed++;
        } else {
          otherZone++;
        }
        inRow = 0;
      }
    }
    return new Result(
        Duration.ofNanos(firstOfRun - sinceNanos), otherZone, failed, Duration.ofNanos(slowest));
  }
}

package io.meshfed.zone.xds;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Kuma's per-proxy xDS generation metrics ({@code pkg/xds/metrics}): the summary {@code
 * xds_generation} in <em>milliseconds</em>, labelled {@code proxy_type} ({@code dataplane} or
 * {@code ingress}) and {@code result} ({@code changed} or {@code no_changes}), with the 0.5, 0.9
 * and 0.99 quantiles, and the counter {@code xds_generation_errors_total}.
 *
 * <p>A distribution summary fed with milliseconds, not a timer: a Prometheus timer would be exposed
 * in seconds as {@code xds_generation_seconds}. Each of the four summaries is registered on its
 * first use and then kept (a rebuild records one per proxy); thread-safe: a summary two threads
 * register at once is the registry's one meter either way.
 */
final class XdsGenerationMetrics {
  private final MeterRegistry meters;
  private final LongSupplier nanoTime;
  private final Counter errors;
  // the summary of each proxy type and result (see slot), once registered
  private final AtomicReferenceArray<DistributionSummary> summaries = new AtomicReferenceArray<>(4);

  XdsGenerationMetrics(MeterRegistry meters, LongSupplier nanoTime) {
    this.meters = meters;
    this.nanoTime = nanoTime;
    this.errors =
        Counter.builder("xds_generation_errors")
            .description("xDS config generations of a proxy that failed")
            .register(meters);
  }

  /**
   * Runs {@code generation} (true when it published a changed config) and observes its duration; a
   * generation that throws is counted as an error and rethrown.
   */
  boolean observe(ProxyId.Kind kind, BooleanSupplier generation) {
    long start = nanoTime.getAsLong();
    boolean changed;
    try {
      changed = generation.getAsBoolean();
    } catch (RuntimeException e) {
      failed();
      throw e;
    }
    record(kind, changed, nanoTime.getAsLong() - start);
    return changed;
  }

  /** Observes a generation that took {@code nanos} (its parts summed when they ran apart). */
  void record(ProxyId.Kind kind, boolean changed, long nanos) {
    boolean ingress = kind == ProxyId.Kind.INGRESS;
    int slot = (ingress ? 2 : 0) + (changed ? 1 : 0);
    DistributionSummary summary = summaries.get(slot);
    if (summary == null) {
      summary =
          DistributionSummary.builder("xds_generation")
              .description("Time to generate the xDS config of one proxy, in milliseconds")
              .tag("proxy_type", ingress ? "ingress" : "dataplane")
              .tag("result", changed ? "changed" : "no_changes")
              .publishPercentiles(0.5, 0.9, 0.99)
              .register(meters);
      summaries.set(slot, summary);
    }
    summary.record(nanos / 1e6);
  }

  /** Counts a generation that failed. */
  void failed() {
    errors.increment();
  }

  /** The current time of the clock it measures with, in nanoseconds. */
  long nanoTime() {
    return nanoTime.getAsLong();
  }
}

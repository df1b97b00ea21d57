package io.meshfed.api;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Kuma's REST API metrics (slok/go-http-metrics with the prefix {@code api_server}): the histogram
 * {@code api_server_http_request_duration_seconds} labelled {@code handler} (the route template),
 * {@code method} and {@code code}, with Prometheus's default buckets, and the gauge {@code
 * api_server_http_requests_inflight} labelled {@code handler}.
 *
 * <p>Thread-safe: the in-flight counts are atomics in a concurrent map, one per handler.
 */
final class HttpMetrics {
  private static final Set<String> KNOWN_METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

  /** Prometheus's {@code DefBuckets}, which go-http-metrics uses. */
  static final Duration[] BUCKETS = {
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10)
  };

  private final MeterRegistry meters;
  private final Map<String, AtomicInteger> inflight = new ConcurrentHashMap<>();

  HttpMetrics(MeterRegistry meters) {
    this.meters = meters;
  }

  /** A request routed to {@code handler} has started. */
  void started(String handler) {
    inflightOf(handler).incrementAndGet();
  }

  /** The request to {@code handler} that {@link #started} at {@code startNanos} was answered. */
  void finished(String handler, String method, int status, long startNanos) {
    inflightOf(handler).decrementAndGet();
    Timer.builder("api_server_http_request_duration")
        .description("Time to answer REST API requests")
        .tag("handler", handler)
        .tag("method", KNOWN_METHODS.contains(method) ? method : "OTHER")
        .tag("code", Integer.toString(status))
        .serviceLevelObjectives(BUCKETS)
        .register(meters)
        .record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
  }

  private AtomicInteger inflightOf(String handler) {
    return inflight.computeIfAbsent(
        handler,
        h -> {
          AtomicInteger n = new AtomicInteger();
          Gauge.builder("api_server_http_requests_inflight", n, AtomicInteger::get)
              .description("REST API requests being answered")
              .tag("handler", h)
              .register(meters);
          return n;
        });
  }
}

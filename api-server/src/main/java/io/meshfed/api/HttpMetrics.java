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
  private final Map<TimerKey, Timer> timers = new ConcurrentHashMap<>();

  /** One histogram's labels. */
  private record TimerKey(String handler, String method, int status) {}

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
    String knownMethod = KNOWN_METHODS.contains(method) ? method : "OTHER";
    // looked up once per label set: building and registering a Timer per request cost more than
    // the rest of the metrics together
    timers
        .computeIfAbsent(new TimerKey(handler, knownMethod, status), this::timer)
        .record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
  }

  private Timer timer(TimerKey key) {
    return Timer.builder("api_server_http_request_duration")
        .description("Time to answer REST API requests")
        .tag("handler", key.handler())
        .tag("method", key.method())
        .tag("code", Integer.toString(key.status()))
        .serviceLevelObjectives(BUCKETS)
        .register(meters);
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

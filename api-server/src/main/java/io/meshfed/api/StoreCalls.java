package io.meshfed.api;

import io.meshfed.store.StoreUnavailableException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits for store operations on the request thread, with a deadline, and times them as {@code
 * api_store_operations} tagged with the operation, the type and the outcome.
 */
final class StoreCalls {
  private static final Set<String> READS = Set.of("get", "list");

  private final MeterRegistry meters;
  private final Duration timeout;
  private final Map<List<String>, Timer> timers = new ConcurrentHashMap<>();

  StoreCalls(MeterRegistry meters, Duration timeout) {
    this.meters = meters;
    this.timeout = timeout;
  }

  <T> T await(String operation, String type, CompletableFuture<T> future) throws Exception {
    long start = System.nanoTime();
    String outcome = "error";
    try {
      T value = future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      outcome = "success";
      return value;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      outcome = cause.getClass().getSimpleName();
      if (cause instanceof Exception ex) {
        throw ex;
      }
      throw e;
    } catch (TimeoutException e) {
      outcome = "timeout";
      future.cancel(false);
      String message = operation + " " + type + " did not complete within " + timeout;
      // the call was handed to the store: a write may still be applied
      throw READS.contains(operation)
          ? new StoreUnavailableException(message, e)
          : StoreUnavailableException.outcomeUnknown(message, e);
    } finally {
      // one registered timer per label set, not a builder and a registry lookup per call
      timers
          .computeIfAbsent(List.of(operation, type, outcome), this::timer)
          .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
  }

  private Timer timer(List<String> labels) {
    return Timer.builder("api.store.operations")
        .description("Store operations made by the REST API")
        .tag("operation", labels.get(0))
        .tag("type", labels.get(1))
        .tag("outcome", labels.get(2))
        .register(meters);
  }
}

package io.meshfed.api;

import io.meshfed.store.StoreUnavailableException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
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
      Timer.builder("api.store.operations")
          .description("Store operations made by the REST API")
          .tag("operation", operation)
          .tag("type", type)
          .tag("outcome", outcome)
          .register(meters)
          .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
  }
}

package io.meshfed.store.etcd.ha;

import io.meshfed.store.StoreException;
import io.meshfed.store.StoreUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Runs the coordination's etcd calls with the request timeout; a failure that is not a store answer
 * becomes a {@link StoreUnavailableException} naming the call and the endpoints.
 */
final class EtcdCalls {
  private final List<String> endpoints;
  private final Duration timeout;

  EtcdCalls(List<String> endpoints, Duration timeout) {
    this.endpoints = endpoints;
    this.timeout = timeout;
  }

  <T> CompletableFuture<T> call(String what, Supplier<CompletableFuture<T>> op) {
    CompletableFuture<T> started;
    try {
      started = op.get();
    } catch (RuntimeException e) {
      started = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    started
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete(
            (value, error) -> {
              if (error == null) {
                result.complete(value);
              } else {
                result.completeExceptionally(translate(what, error));
              }
            });
    return result;
  }

  private Throwable translate(String what, Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof StoreException) {
      return cause;
    }
    String message =
        cause instanceof TimeoutException
            ? "cannot " + what + ": etcd at " + endpoints + " did not answer within " + timeout
            : "cannot " + what + ": etcd at " + endpoints + " failed: " + cause.getMessage();
    return StoreUnavailableException.outcomeUnknown(message, cause);
  }
}

package io.meshfed.store.etcd;

import io.meshfed.store.StoreException;
import io.meshfed.store.StoreUnavailableException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Runs etcd calls with the request timeout and turns failures into store exceptions: bad requests
 * stay {@link StoreException}s, everything about reaching etcd becomes a {@link
 * StoreUnavailableException} naming the endpoints.
 */
final class EtcdCalls {
  private final EtcdStoreOptions options;
  private final BooleanSupplier closedFlag;

  EtcdCalls(EtcdStoreOptions options, BooleanSupplier closedFlag) {
    this.options = options;
    this.closedFlag = closedFlag;
  }

  /**
   * Runs one etcd call with the request timeout; maps failures that are not store answers
   * (timeouts, connection errors, a closed client) to {@link StoreUnavailableException}.
   */
  <T> CompletableFuture<T> call(String what, Supplier<CompletableFuture<T>> op) {
    return call(what, options.requestTimeout(), op);
  }

  /**
   * Runs one etcd write with the write timeout (at most the request timeout), so that a write held
   * by a member whose leader died fails as unavailable, outcome unknown, within about an election.
   */
  <T> CompletableFuture<T> write(String what, Supplier<CompletableFuture<T>> op) {
    Duration timeout =
        options.writeTimeout().compareTo(options.requestTimeout()) < 0
            ? options.writeTimeout()
            : options.requestTimeout();
    return call(what, timeout, op);
  }

  private <T> CompletableFuture<T> call(
      String what, Duration timeout, Supplier<CompletableFuture<T>> op) {
    if (closedFlag.getAsBoolean()) {
      return CompletableFuture.failedFuture(
          new StoreUnavailableException(
              "cannot " + what + ": the etcd store for " + options.endpoints() + " is closed"));
    }
    CompletableFuture<T> started;
    try {
      started = op.get();
    } catch (RuntimeException e) {
      started = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    started
        .orTimeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .whenComplete(
            (value, error) -> {
              if (error == null) {
                result.complete(value);
              } else {
                result.completeExceptionally(translate(what, timeout, error));
              }
            });
    return result;
  }

  private static boolean neverSent(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  private Throwable translate(String what, Duration timeout, Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof StoreException) {
      return cause;
    }
    if (cause instanceof TimeoutException) {
      // the request was sent: a write may still be applied
      return StoreUnavailableException.outcomeUnknown(
          "cannot "
              + what
              + ": etcd at "
              + options.endpoints()
              + " did not answer within "
              + timeout,
          cause);
    }
    if (closedFlag.getAsBoolean()) {
      return new StoreUnavailableException(
          "cannot " + what + ": the etcd store for " + options.endpoints() + " is closed", cause);
    }
    if (cause instanceof io.etcd.jetcd.common.exception.EtcdException ee
        && ee.getErrorCode() == io.etcd.jetcd.common.exception.ErrorCode.INVALID_ARGUMENT) {
      // e.g. "etcdserver: request is too large": the request is bad, not the connection
      return new StoreException(
          "etcd at " + options.endpoints() + " refused to " + what + ": " + cause.getMessage(),
          cause);
    }
    if (cause instanceof io.etcd.jetcd.common.exception.EtcdException
        || cause instanceof io.grpc.StatusRuntimeException
        || cause instanceof java.io.IOException) {
      String message =
          "cannot " + what + ": etcd at " + options.endpoints() + " failed: " + cause.getMessage();
      // A refused connection sent nothing; any other broken call may have reached etcd.
      return neverSent(cause)
          ? new StoreUnavailableException(message, cause)
          : StoreUnavailableException.outcomeUnknown(message, cause);
    }
    return cause;
  }
}

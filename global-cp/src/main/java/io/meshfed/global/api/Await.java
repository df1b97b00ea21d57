package io.meshfed.global.api;

import io.meshfed.store.StoreUnavailableException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits for a store call in a request handler, surfacing the store's own exception. */
final class Await {
  private static final long TIMEOUT_SECONDS = 10;

  private Await() {}

  static <T> T of(CompletableFuture<T> future) throws Exception {
    try {
      return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exception ex) {
        throw ex;
      }
      throw e;
    } catch (TimeoutException e) {
      throw new StoreUnavailableException(
          "the store did not answer within " + TIMEOUT_SECONDS + "s", e);
    }
  }
}

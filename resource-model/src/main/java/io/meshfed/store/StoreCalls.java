package io.meshfed.store;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Blocking waits on store calls for code that runs outside a request (start-up, issuing). */
public final class StoreCalls {
  private StoreCalls() {}

  /**
   * The result of {@code future}, waiting at most {@code timeout}. The store's own {@link
   * StoreException} is rethrown as it is; any other failure, a timeout (the call is then cancelled)
   * or an interrupt becomes a {@link StoreException} saying it could not {@code what}.
   */
  public static <T> T await(CompletableFuture<T> future, Duration timeout, String what) {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof StoreException se) {
        throw se;
      }
      throw new StoreException("cannot " + what + ": " + cause, cause);
    } catch (TimeoutException e) {
      future.cancel(false);
      throw new StoreException("cannot " + what + ": the store did not answer within " + timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while trying to " + what, e);
    }
  }
}

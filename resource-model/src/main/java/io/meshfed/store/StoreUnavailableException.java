package io.meshfed.store;

/**
 * The store backend cannot be reached or failed; retry with backoff.
 *
 * <p>{@link #outcomeUnknown()} tells a write that may have been applied (the request reached the
 * backend, or may have, and no answer came back) from one that certainly was not (refused before it
 * was sent, or the backend said so). Callers must read before retrying an unknown outcome.
 */
public final class StoreUnavailableException extends StoreException {
  private static final long serialVersionUID = 1L;

  private final boolean outcomeUnknown;

  public StoreUnavailableException(String message) {
    this(message, null, false);
  }

  public StoreUnavailableException(String message, Throwable cause) {
    this(message, cause, false);
  }

  private StoreUnavailableException(String message, Throwable cause, boolean outcomeUnknown) {
    super(message, cause);
    this.outcomeUnknown = outcomeUnknown;
  }

  /** The backend may have applied the operation: no answer came back after it was sent. */
  public static StoreUnavailableException outcomeUnknown(String message, Throwable cause) {
    return new StoreUnavailableException(message, cause, true);
  }

  /** True when the operation may have been applied (see the class comment). */
  public boolean outcomeUnknown() {
    return outcomeUnknown;
  }
}

package io.meshfed.store;

/** The stored version is not the expected one (optimistic concurrency). */
public final class ConflictException extends StoreException {
  private static final long serialVersionUID = 1L;

  public ConflictException(String message) {
    super(message);
  }

  public ConflictException(String message, Throwable cause) {
    super(message, cause);
  }
}

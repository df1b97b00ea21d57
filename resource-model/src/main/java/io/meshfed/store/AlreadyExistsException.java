package io.meshfed.store;

/** A resource with this key already exists. */
public final class AlreadyExistsException extends StoreException {
  private static final long serialVersionUID = 1L;

  public AlreadyExistsException(String message) {
    super(message);
  }

  public AlreadyExistsException(String message, Throwable cause) {
    super(message, cause);
  }
}

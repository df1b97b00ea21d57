package io.meshfed.store.crypto;

/**
 * A sealed file cannot be opened: its key is not configured, it was changed, or it holds something
 * else than asked for. The message names the file.
 */
public final class SealedFileException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  public SealedFileException(String message) {
    super(message);
  }

  public SealedFileException(String message, Throwable cause) {
    super(message, cause);
  }
}

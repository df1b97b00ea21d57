package io.meshfed.store.crypto;

import io.meshfed.store.StoreException;

/**
 * A stored secret cannot be opened: it was encrypted with a key that is not configured, its
 * ciphertext was changed, or it is not in the encrypted format at all.
 */
public final class SecretDecryptionException extends StoreException {
  private static final long serialVersionUID = 1L;

  public SecretDecryptionException(String message) {
    super(message);
  }

  public SecretDecryptionException(String message, Throwable cause) {
    super(message, cause);
  }
}

package io.meshfed.store.embedded;

import io.meshfed.store.StoreException;

/** Another process (or another store in this process) already holds the data directory. */
public final class DataDirInUseException extends StoreException {
  private static final long serialVersionUID = 1L;

  public DataDirInUseException(String message) {
    super(message);
  }
}

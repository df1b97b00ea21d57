package io.meshfed.store.ha;

import io.meshfed.store.StoreException;

/**
 * A fenced write was refused: the writer no longer holds the leadership or stream ownership it
 * wrote under (see {@link Fence}). Nothing was written; the writer must stop, not retry.
 */
public final class FencedException extends StoreException {
  private static final long serialVersionUID = 1L;

  public FencedException(String message) {
    super(message);
  }
}

package io.meshfed.store;

/** A mesh-scoped resource names a mesh that does not exist. */
public final class MeshNotFoundException extends StoreException {
  private static final long serialVersionUID = 1L;

  public MeshNotFoundException(String message) {
    super(message);
  }

  public MeshNotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}

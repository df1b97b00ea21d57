package io.meshfed.store;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;

/** Checks a write's expected version against the stored resource. */
public final class Versions {
  private Versions() {}

  /**
   * @param expectedVersion the version the writer read; 0 or less for any
   * @param advice appended to the message (may be empty)
   * @throws ConflictException when {@code current} has another version
   */
  public static void require(
      ResourceKey key, Resource current, long expectedVersion, String advice) {
    if (expectedVersion > 0 && current.version() != expectedVersion) {
      throw new ConflictException(
          key
              + " has version "
              + current.version()
              + ", not the expected "
              + expectedVersion
              + advice);
    }
  }
}

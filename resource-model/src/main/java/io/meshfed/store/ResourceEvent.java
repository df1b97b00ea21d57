package io.meshfed.store;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;

/**
 * One change seen by a watch. For {@link Kind#PUT} {@code resource} is the new state; for {@link
 * Kind#DELETE} it is the last known state when the store has it, otherwise null. {@code revision}
 * is the store revision of the change.
 */
public record ResourceEvent(Kind kind, ResourceKey key, Resource resource, long revision) {
  public enum Kind {
    PUT,
    DELETE
  }

  public static ResourceEvent put(Resource r, long revision) {
    return new ResourceEvent(Kind.PUT, r.key(), r, revision);
  }

  public static ResourceEvent delete(ResourceKey key, Resource last, long revision) {
    return new ResourceEvent(Kind.DELETE, key, last, revision);
  }
}

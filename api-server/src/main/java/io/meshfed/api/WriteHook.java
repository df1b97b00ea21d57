package io.meshfed.api;

import io.meshfed.model.Resource;

/**
 * Applied to every resource written through the API, after it was decoded and checked against the
 * path and before it is stored; {@link #checkExisting} then sees what the write would replace. It
 * may return a changed resource (the zone control plane stamps {@code kuma.io/zone}) or reject it
 * with a {@link io.meshfed.model.validation.ValidationException}, which the client sees as a 400.
 */
@FunctionalInterface
public interface WriteHook {
  Resource apply(Resource resource);

  /**
   * As {@link #apply(Resource)}, with the request that carries the write (its headers, e.g. a
   * proxy's credentials); may also refuse with an {@link ApiException} (401, 403).
   */
  default Resource apply(Resource resource, ApiRequest request) {
    return apply(resource);
  }

  /**
   * Refuses the write of {@code incoming} (as {@link #apply} returned it) over {@code existing},
   * the resource stored at its key, by throwing as {@link #apply} does; called inside the store's
   * conditional write, so it must be quick and must not call the store. Not called for a create.
   */
  default void checkExisting(Resource incoming, Resource existing) {}

  static WriteHook identity() {
    return r -> r;
  }
}

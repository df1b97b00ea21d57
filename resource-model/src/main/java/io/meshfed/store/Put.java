package io.meshfed.store;

import io.meshfed.model.Resource;
import java.util.Objects;

/**
 * What {@link ResourceStore#put} did: the resource as stored (with its new version) and whether it
 * was created (absent before) or replaced an existing one.
 */
public record Put(Resource resource, boolean created) {
  public Put {
    Objects.requireNonNull(resource, "resource");
  }
}

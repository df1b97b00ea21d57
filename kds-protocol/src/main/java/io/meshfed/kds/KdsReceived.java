package io.meshfed.kds;

import io.meshfed.model.Resource;
import java.util.Objects;

/**
 * A resource received over KDS and accepted by the envelope codec.
 *
 * @param name the wire name ({@code mesh/name} or {@code name})
 * @param version the version the serving side gave it (a content hash)
 * @param resource the decoded and validated resource
 */
public record KdsReceived(String name, String version, Resource resource) {
  public KdsReceived {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(resource, "resource");
  }
}

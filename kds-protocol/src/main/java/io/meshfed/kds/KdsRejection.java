package io.meshfed.kds;

import java.util.Objects;

/**
 * One resource that could not be decoded or applied, by wire name, with the reason. These travel
 * back to the serving side in a NACK.
 *
 * @param name the wire name ({@code mesh/name} or {@code name})
 * @param version the rejected version, empty for a removal that failed
 * @param reason what was wrong, e.g. {@code spec: unknown field 'foo'}
 */
public record KdsRejection(String name, String version, String reason) {
  public KdsRejection {
    Objects.requireNonNull(name, "name");
    version = version == null ? "" : version;
    Objects.requireNonNull(reason, "reason");
  }

  @Override
  public String toString() {
    return name + (version.isEmpty() ? "" : "@" + version) + ": " + reason;
  }
}

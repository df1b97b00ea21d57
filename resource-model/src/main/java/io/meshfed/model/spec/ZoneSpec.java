package io.meshfed.model.spec;

import io.meshfed.model.Spec;

/**
 * {@code Zone}: a zone known to global. {@code enabled} is absent, true or false; absent means
 * enabled.
 */
public record ZoneSpec(Boolean enabled) implements Spec {
  public static final ZoneSpec ENABLED = new ZoneSpec(true);

  /** Whether the zone takes part in the federation ({@code enabled} defaults to true). */
  public boolean enabledOrDefault() {
    return enabled == null || enabled;
  }
}

package io.meshfed.dp;

import java.util.Locale;

/** What kind of proxy {@code dp run} launches: a sidecar of a workload, or a zone ingress. */
public enum ProxyType {
  SIDECAR("sidecar", "Dataplane"),
  INGRESS("ingress", "ZoneIngress");

  private final String wireName;
  private final String resourceType;

  ProxyType(String wireName, String resourceType) {
    this.wireName = wireName;
    this.resourceType = resourceType;
  }

  /** The name in flags and node metadata: {@code sidecar} or {@code ingress}. */
  public String wireName() {
    return wireName;
  }

  /** The resource type that describes this proxy: {@code Dataplane} or {@code ZoneIngress}. */
  public String resourceType() {
    return resourceType;
  }

  /** Parses {@code sidecar} or {@code ingress} (any case). */
  public static ProxyType parse(String value) {
    for (ProxyType t : values()) {
      if (t.wireName.equals(value.toLowerCase(Locale.ROOT))) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "proxy type '" + value + "' is not known (expected: sidecar or ingress)");
  }

  @Override
  public String toString() {
    return wireName;
  }
}

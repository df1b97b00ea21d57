package io.meshfed.xds.sidecar;

import io.meshfed.model.spec.Tags;
import io.meshfed.xds.Sni;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One outbound cluster: a service narrowed to a subset of its instances by extra tags.
 *
 * @param service the {@code kuma.io/service} value
 * @param subset the other tags every endpoint must carry (never {@code kuma.io/service}), sorted
 */
record ClusterKey(String service, Map<String, String> subset) {
  private static final int FNV32_OFFSET = 0x811c9dc5;
  private static final int FNV32_PRIME = 0x01000193;

  ClusterKey {
    Objects.requireNonNull(service, "service");
    TreeMap<String, String> sorted = new TreeMap<>(subset);
    sorted.remove(Tags.SERVICE);
    subset = java.util.Collections.unmodifiableMap(sorted);
  }

  /**
   * The cluster a route destination names: its {@code kuma.io/service} (else, or when {@code *},
   * {@code defaultService}) and the rest of its tags; a {@code *}-valued tag narrows nothing and is
   * dropped.
   */
  static ClusterKey ofDestination(Map<String, String> destination, String defaultService) {
    String service = destination.get(Tags.SERVICE);
    if (service == null || service.isEmpty() || Tags.WILDCARD.equals(service)) {
      service = defaultService;
    }
    TreeMap<String, String> subset = new TreeMap<>();
    destination.forEach(
        (k, v) -> {
          if (!Tags.WILDCARD.equals(v)) {
            subset.put(k, v);
          }
        });
    return new ClusterKey(service, subset);
  }

  /** {@code service} alone, or {@code service_<8 hex of FNV-1a-32 over "k1=v1,k2=v2">}. */
  String name() {
    if (subset.isEmpty()) {
      return service;
    }
    StringBuilder key = new StringBuilder();
    subset.forEach(
        (k, v) -> key.append(key.length() == 0 ? "" : ",").append(k).append('=').append(v));
    return service + '_' + HexFormat.of().toHexDigits(fnv1a32(key.toString()));
  }

  String sni(String mesh) {
    return Sni.of(mesh, service, subset);
  }

  /** Whether an endpoint with these tags belongs here: same service, every subset tag matched. */
  boolean selects(Map<String, String> endpointTags) {
    return service.equals(endpointTags.get(Tags.SERVICE))
        && Selectors.matches(subset, endpointTags);
  }

  private static int fnv1a32(String s) {
    int h = FNV32_OFFSET;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= (b & 0xff);
      h *= FNV32_PRIME;
    }
    return h;
  }
}

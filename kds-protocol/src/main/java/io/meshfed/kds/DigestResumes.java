package io.meshfed.kds;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The requesting side's half of resume by digest: per type subscribed by digest, what the sink held
 * when it subscribed and every name a response has named since. The response that ends the resume
 * names the buckets the serving side resent whole; what the sink held there and no response named
 * is gone on the serving side, so it is removed. Confined to the stream's serial executor.
 */
final class DigestResumes {
  private record Pending(Map<String, String> held, Set<String> named) {}

  private final Map<String, Pending> pending = new HashMap<>();

  /** {@code type} is subscribed by digest while the sink holds {@code held}. */
  void subscribed(String type, Map<String, String> held) {
    pending.put(type, new Pending(Map.copyOf(held), new HashSet<>()));
  }

  /**
   * The names to remove on top of what {@code response} removes: empty unless it ends the digest
   * resume of its type.
   */
  List<String> removalsFor(DeltaDiscoveryResponse response) {
    Pending p = pending.get(response.getTypeUrl());
    if (p == null) {
      return List.of();
    }
    for (Resource r : response.getResourcesList()) {
      p.named().add(r.getName());
    }
    p.named().addAll(response.getRemovedResourcesList());
    Optional<BitSet> resent = ResourceDigest.parseResyncMarker(response.getSystemVersionInfo());
    if (resent.isEmpty()) {
      return List.of();
    }
    pending.remove(response.getTypeUrl());
    BitSet buckets = resent.get();
    if (buckets.isEmpty()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String name : p.held().keySet()) {
      if (!p.named().contains(name) && buckets.get(ResourceDigest.bucket(name))) {
        out.add(name);
      }
    }
    out.sort(null);
    return out;
  }
}

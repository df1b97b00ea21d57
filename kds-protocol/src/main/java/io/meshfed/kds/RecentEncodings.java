package io.meshfed.kds;

import io.meshfed.model.Resource;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;

/**
 * The encodings of the resources encoded last, found by the identity of the resource: the serving
 * sides of every zone's stream are handed the same instance of a changed resource (the source's
 * own), so it is encoded once, not once per zone. A fixed number of slots, each taken whole by the
 * last resource that hashes to it. An encoding depends only on the (immutable) resource, so a hit
 * is always right and a miss costs one encode, as without the cache. Thread-safe: each slot is one
 * atomic reference, read and replaced whole.
 */
final class RecentEncodings {
  private record Slot(Resource source, io.envoyproxy.envoy.service.discovery.v3.Resource encoded) {}

  private final AtomicReferenceArray<Slot> slots;
  private final int mask;

  /**
   * @param slots how many encodings are kept at most; a power of two
   */
  RecentEncodings(int slots) {
    if (slots <= 0 || Integer.bitCount(slots) != 1) {
      throw new IllegalArgumentException("slots: " + slots + " (expected: a power of two)");
    }
    this.slots = new AtomicReferenceArray<>(slots);
    this.mask = slots - 1;
  }

  /** The encoding of {@code source}: kept if this instance was encoded last in its slot. */
  io.envoyproxy.envoy.service.discovery.v3.Resource get(
      Resource source,
      Function<Resource, io.envoyproxy.envoy.service.discovery.v3.Resource> encode) {
    int i = System.identityHashCode(source) & mask;
    Slot kept = slots.get(i);
    if (kept != null && kept.source() == source) {
      return kept.encoded();
    }
    io.envoyproxy.envoy.service.discovery.v3.Resource encoded = encode.apply(source);
    slots.set(i, new Slot(source, encoded));
    return encoded;
  }
}

package io.meshfed.kds;

import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a serving side knows about one subscribed type: what the peer confirmed ({@code acked}),
 * what it will hold once in-flight responses apply ({@code known}), which versions are held back
 * after a NACK or because they are too large ({@code suppressed}), a cache of encodings, and the
 * one response of this type that may be unanswered at a time (its nonce and when it went out).
 * Confined to the stream's serial executor.
 */
final class ServedType {
  /** The version a suppressed removal is recorded under. */
  static final String REMOVAL = "";

  /** The version of a copy the peer may hold in a version not known here. */
  static final String UNKNOWN = "?";

  private record Suppressed(String version, Instant until) {}

  private record Cached(io.meshfed.model.Resource source, Resource encoded) {}

  /** The delta to send: upserts and removals, each sorted by name. */
  record Delta(List<Resource> upserts, List<String> removals) {
    boolean isEmpty() {
      return upserts.isEmpty() && removals.isEmpty();
    }
  }

  private final String type;
  private final Map<String, String> known = new HashMap<>();
  private final Map<String, String> acked = new HashMap<>();
  private final Map<String, Suppressed> suppressed = new HashMap<>();
  private Map<String, Cached> encoded = new HashMap<>();
  private ResourceDigest peerDigest;
  private BitSet unknownBuckets = new BitSet();
  private BitSet resync;
  private boolean firstResponseSent;
  private String awaitedNonce;
  private Instant lastSentAt = Instant.MIN;

  ServedType(String type) {
    this.type = type;
  }

  String type() {
    return type;
  }

  /** A (re)subscription: the peer says it holds {@code initialVersions}. */
  void subscribe(Map<String, String> initialVersions) {
    known.clear();
    known.putAll(initialVersions);
    acked.clear();
    acked.putAll(initialVersions);
    suppressed.clear();
    firstResponseSent = false;
    awaitedNonce = null;
    peerDigest = null;
    unknownBuckets = new BitSet();
    resync = null;
  }

  /**
   * A (re)subscription by digest: the peer says only the digest of what it holds. It is compared
   * with the served set by {@link #resolveDigest} once the source is ready.
   */
  void subscribeByDigest(ResourceDigest digest) {
    subscribe(Map.of());
    peerDigest = digest;
  }

  /** True while a digest subscription waits for {@link #resolveDigest}. */
  boolean digestPending() {
    return peerDigest != null;
  }

  /**
   * Compares the peer's digest with {@code current} (the encoded served set): the peer holds
   * exactly what is served in every bucket whose digest matches, so those entries become known and
   * confirmed; the other buckets are resent whole, and the response that ends the initial sync
   * names them ({@link #takeResyncMarker}) so that the peer drops what it holds there and was not
   * sent. Returns what the peer is now known to hold (wire name to version).
   */
  Map<String, String> resolveDigest(Map<String, Resource> current) {
    Map<String, String> served = new HashMap<>(current.size() * 2);
    current.forEach((name, r) -> served.put(name, r.getVersion()));
    BitSet differing = ResourceDigest.of(served).differingFrom(peerDigest);
    Map<String, String> held = new HashMap<>();
    if (differing.isEmpty()) {
      held.putAll(served);
    } else {
      served.forEach(
          (name, version) -> {
            if (!differing.get(ResourceDigest.bucket(name))) {
              held.put(name, version);
            }
          });
    }
    known.putAll(held);
    acked.putAll(held);
    unknownBuckets = differing;
    resync = differing;
    peerDigest = null;
    return held;
  }

  /** True while the response that ends a digest resume has not gone out. */
  boolean resyncPending() {
    return resync != null;
  }

  /** The {@code system_version_info} ending a digest resume, once; then null. */
  String takeResyncMarker() {
    if (resync == null) {
      return null;
    }
    String marker = ResourceDigest.resyncMarker(resync);
    resync = null;
    return marker;
  }

  /** True while a response of this type is sent and neither ACKed nor NACKed. */
  boolean awaitingAnswer() {
    return awaitedNonce != null;
  }

  /** When the last response of this type went out ({@link Instant#MIN} before the first). */
  Instant lastSentAt() {
    return lastSentAt;
  }

  /**
   * The peer answered (ACK or NACK) the response with {@code nonce}; true when that was the one
   * awaited, so the next response of this type may go.
   */
  boolean answered(String nonce) {
    if (nonce.equals(awaitedNonce)) {
      awaitedNonce = null;
      return true;
    }
    return false;
  }

  boolean firstResponseSent() {
    return firstResponseSent;
  }

  /** Encodes the current set, reusing encodings of unchanged resources; wire name to encoding. */
  Map<String, Resource> encode(
      Collection<io.meshfed.model.Resource> current, KdsEnvelope envelope) {
    Map<String, Cached> next = new HashMap<>(current.size() * 2);
    Map<String, Resource> out = new TreeMap<>();
    for (io.meshfed.model.Resource r : current) {
      String name = KdsEnvelope.wireName(r);
      Cached cached = encoded.get(name);
      if (cached == null || !cached.source().equals(r)) {
        cached = new Cached(r, envelope.encode(r));
      }
      next.put(name, cached);
      out.put(name, cached.encoded());
    }
    encoded = next;
    suppressed.keySet().removeIf(n -> !out.containsKey(n) && !known.containsKey(n));
    return out;
  }

  /** What the peer lacks or holds in another version, minus what is held back at {@code now}. */
  Delta delta(Map<String, Resource> current, Instant now) {
    List<Resource> upserts = new ArrayList<>();
    for (Map.Entry<String, Resource> e : current.entrySet()) {
      String version = e.getValue().getVersion();
      if (!version.equals(known.get(e.getKey())) && !isSuppressed(e.getKey(), version, now)) {
        upserts.add(e.getValue());
      }
    }
    List<String> removals = new ArrayList<>();
    for (String name : new TreeMap<>(known).keySet()) {
      if (!current.containsKey(name) && !isSuppressed(name, REMOVAL, now)) {
        removals.add(name);
      }
    }
    return new Delta(upserts, removals);
  }

  private boolean isSuppressed(String name, String version, Instant now) {
    Suppressed s = suppressed.get(name);
    return s != null && s.version().equals(version) && now.isBefore(s.until());
  }

  /** The response {@code nonce} carrying these went out at {@code at}; it awaits an answer. */
  void sent(String nonce, Instant at, Map<String, String> resources, List<String> removed) {
    known.putAll(resources);
    removed.forEach(known::remove);
    firstResponseSent = true;
    awaitedNonce = nonce;
    lastSentAt = at;
  }

  /** The peer applied these. */
  void acked(Map<String, String> resources, List<String> removed) {
    resources.forEach(
        (name, version) -> {
          acked.put(name, version);
          suppressed.remove(name);
        });
    for (String name : removed) {
      acked.remove(name);
      suppressed.remove(name);
    }
  }

  /**
   * The peer rejected {@code version} of {@code name} (or its removal, {@link #REMOVAL}): hold it
   * back until {@code until} and assume the peer still has what it last confirmed.
   */
  void rejected(String name, String version, Instant until) {
    suppressed.put(name, new Suppressed(version, until));
    boolean stillExpected =
        version.equals(REMOVAL) ? !known.containsKey(name) : version.equals(known.get(name));
    if (stillExpected) {
      String confirmed = acked.get(name);
      if (confirmed == null && !unknownBuckets.isEmpty()) {
        // resent whole after a digest resume: the peer may keep a copy we never learnt of
        if (unknownBuckets.get(ResourceDigest.bucket(name))) {
          known.put(name, UNKNOWN);
        } else {
          known.remove(name);
        }
      } else if (confirmed == null) {
        known.remove(name);
      } else {
        known.put(name, confirmed);
      }
    }
  }

  @Override
  public String toString() {
    return type
        + "{known="
        + known.size()
        + ", acked="
        + acked.size()
        + (awaitedNonce == null ? "" : ", awaiting=" + awaitedNonce)
        + "}";
  }
}
